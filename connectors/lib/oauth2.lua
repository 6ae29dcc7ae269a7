-- An OAuth 2.0 client credentials session, shared by the connectors that read JSON APIs with Bearer tokens.
--
-- local session = rollbook.library("oauth2").session {
--     name = "my_sis",              -- starts every error message
--     token_url = "...",
--     client_id = "...", client_secret = "...",
--     credentials = "basic",        -- "basic" (HTTP Basic, the default) or "body" (form fields)
--     timeout = 30, retries = 3,    -- for every request, as rollbook.http.request takes them
--     token_hint = "...",           -- what to check when the token request is rejected
--     access_hint = "...",          -- what to check when a new token is rejected too
-- }
-- session:get(url) sends a GET with the token, getting one when there is none yet. A 401 gets one new token and
-- one repeat of the request; a second 401 raises.

local http = rollbook.http
local json = rollbook.json
local log = rollbook.log

local Session = {}
Session.__index = Session

-- Percent-encodes a form field value (application/x-www-form-urlencoded).
local function form_encode(text)
    return (tostring(text):gsub("[^%w%-%._~]", function(character)
        return string.format("%%%02X", string.byte(character))
    end))
end

-- Requests a new access token with the client credentials grant.
function Session:authenticate()
    local options = self.options
    local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Accept"] = "application/json",
    }
    local body = "grant_type=client_credentials"
    if options.credentials == "body" then
        body = body .. "&client_id=" .. form_encode(options.client_id)
            .. "&client_secret=" .. form_encode(options.client_secret)
    else
        headers["Authorization"] = "Basic "
            .. rollbook.base64.encode(options.client_id .. ":" .. options.client_secret)
    end
    local url = options.token_url
    local response, err = http.request {
        method = "POST", url = url, headers = headers, body = body,
        timeout = options.timeout, retries = options.retries,
    }
    if not response then
        error(options.name .. ": token request failed: " .. err, 0)
    end
    if response.status ~= 200 then
        error(string.format("%s: token request to %s returned HTTP %d; %s", options.name, url, response.status,
            options.token_hint or "check client_id and client_secret"), 0)
    end
    local document = json.decode(response.body)
    local token = type(document) == "table" and document.access_token
    if type(token) ~= "string" or token == "" then
        error(options.name .. ": token response from " .. url .. " has no 'access_token'", 0)
    end
    self.token = token
end

-- Sends a GET with the Bearer token. A 401 gets one new token and one repeat of the request.
function Session:get(url)
    local options = self.options
    if not self.token then
        self:authenticate()
    end
    for attempt = 1, 2 do
        local response, err = http.request {
            url = url,
            headers = { ["Authorization"] = "Bearer " .. self.token, ["Accept"] = "application/json" },
            timeout = options.timeout,
            retries = options.retries,
        }
        if not response then
            -- The host's message starts with the method and the URL without its query, which `url` already names.
            local reason = err:gsub("^HTTP %u+ %S+ failed: ", "")
            error(options.name .. ": reading " .. url .. " failed: " .. reason, 0)
        end
        if response.status ~= 401 then
            return response
        end
        if attempt == 1 then
            log.info("access token rejected; requesting a new one", { url = url })
            self:authenticate()
        end
    end
    error(options.name .. ": " .. url .. " returned HTTP 401 again with a new token; "
        .. (options.access_hint or "check that the client may read this resource"), 0)
end

return {
    session = function(options)
        return setmetatable({ options = options, token = nil }, Session)
    end,
    form_encode = form_encode,
}
