-- Sends each user this delivery carries to a vendor's webhook as one JSON POST, for vendors that take changes
-- through their own API instead of CSV files. A removed user is sent with status "tobedeleted".
-- Configure it as an export of an app in config.lua:
--   { name = "webhook", type = "lua", script = "webhook", mode = "delta",
--     settings = { url = "https://vendor.example/rollbook/users", token = env("VENDOR_TOKEN") } }

return {
    name = "webhook",
    version = "1.0",
    description = "POST each changed user as JSON to a webhook URL",

    settings = {
        url = { type = "string", required = true, description = "The URL each user is POSTed to" },
        token = {
            type = "string",
            secret = true,
            description = "Bearer token, if the webhook needs one; read it from the environment with env()",
        },
        timeout = { type = "number", default = 20, description = "Seconds to wait for each request" },
    },

    export = function(ctx)
        local headers = { ["Content-Type"] = "application/json" }
        local token = rollbook.secrets.get("token")
        if token then
            headers["Authorization"] = "Bearer " .. token
        end

        local sent = 0
        for _, user in ipairs(ctx.records("users")) do
            local body = rollbook.json.encode({
                app = ctx.app,
                district = ctx.district,
                kind = ctx.kind,
                user = user,
            })
            local response, err = rollbook.http.request({
                method = "POST",
                url = ctx.settings.url,
                headers = headers,
                body = body,
                timeout = ctx.settings.timeout,
            })
            if not response then
                return nil, "user " .. user.sourcedId .. ": " .. err
            end
            if response.status < 200 or response.status > 299 then
                return nil, "user " .. user.sourcedId .. ": the webhook answered HTTP " .. response.status
            end
            sent = sent + 1
        end
        ctx.log.info("users sent to the webhook", { count = sent })
        return true
    end,
}
