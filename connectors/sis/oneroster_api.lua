-- Reads a OneRoster 1.1 or 1.2 REST provider with OAuth 2.0 client credentials, or with
-- two-legged OAuth 1.0a requests signed with HMAC-SHA256 (RFC 5849).
--
-- Every collection is read page by page with limit and offset. A rel="next" Link header
-- is followed when the provider sends one, and paging stops once X-Total-Count records
-- have arrived. Without either, paging stops on an empty page, or on a page shorter than
-- both the limit and the largest page seen so far, because some providers cap the page
-- size below the limit without saying so. Records are handed over with ctx.emit after their GUIDRefs
-- ({sourcedId=, href=, type=}) become the sourcedId columns of the CSV binding.
--
-- With `incremental = true`, a run after a complete one requests only the records changed since
-- that run started (dateLastModified greater than ctx.state.since) and emits them in delta mode:
-- they update or add stored records, a `tobedeleted` status removes one, and the rest are kept.

local json = rollbook.json
local http = rollbook.http
local oauth2 = rollbook.library("oauth2")
local settings_library = rollbook.library("settings")
local log = rollbook.log

local rostering_entities = { "orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics" }

local known_entities = {}
for _, entity in ipairs(rostering_entities) do
    known_entities[entity] = true
end

-- A safety bound on requests per collection, far above 10M records at 100 per page.
local max_pages = 1000000

-- REST fields that the CSV binding derives from other records, so they are not stored.
local derived_fields = { children = true, href = true }

-- Percent-encodes a form value (application/x-www-form-urlencoded), as RFC 6749 section 2.3.1
-- requires for the client id and secret before they go into the Basic header.
-- RFC 5849 section 3.6 uses the same encoding: every byte except ALPHA, DIGIT, '-', '.', '_' and '~'.
local function form_encode(text)
    return (text:gsub("[^%w%-%._~]", function(char)
        return string.format("%%%02X", char:byte())
    end))
end

-- Decodes a query component as application/x-www-form-urlencoded, as RFC 5849 section 3.4.1.3.1 requires.
local function form_decode(text)
    text = text:gsub("%+", " ")
    return (text:gsub("%%(%x%x)", function(hex)
        return string.char(tonumber(hex, 16))
    end))
end

-- Orders strings by their bytes, because Lua's `<` on strings calls strcoll, which follows the locale.
local function bytes_less(left, right)
    for index = 1, math.min(#left, #right) do
        local a, b = left:byte(index), right:byte(index)
        if a ~= b then
            return a < b
        end
    end
    return #left < #right
end

-- Checks the settings and returns the list of entities to read.
local function checked_entities(settings)
    local problems = settings_library.problems("oneroster_api")
    if not settings.base_url:match("^https?://") then
        problems:add("base_url '" .. settings.base_url .. "' must start with http:// or https://")
    end
    if settings.auth ~= "oauth2" and settings.auth ~= "oauth1" then
        problems:add("auth '" .. tostring(settings.auth) .. "' is not supported; expected oauth2 or oauth1")
    end
    if settings.auth == "oauth2" and settings.token_url == nil then
        problems:add("token_url is missing; it is required when auth is 'oauth2'")
    end
    if settings.token_url and not settings.token_url:match("^https?://") then
        problems:add("token_url '" .. settings.token_url .. "' must start with http:// or https://")
    end
    if settings.version ~= "1.1" and settings.version ~= "1.2" then
        problems:add("version '" .. tostring(settings.version) .. "' is not supported; expected 1.1 or 1.2")
    end
    if settings.page_size < 1 then
        problems:add("page_size '" .. settings.page_size .. "' must be at least 1")
    end
    problems:check_request(settings)
    local entities = settings.entities or rostering_entities
    for index, entity in ipairs(entities) do
        if not known_entities[entity] then
            problems:add("entities[" .. index .. "] is '" .. tostring(entity) .. "'; expected one of "
                .. table.concat(rostering_entities, ", "))
        end
    end
    problems:raise()
    return entities
end

-- A connection to the provider: the settings, the client secret and, with OAuth 2.0, the current access token.
local Session = {}
Session.__index = Session

local function new_session(settings)
    local secret, err = rollbook.secrets.get("client_secret")
    if not secret then
        error("oneroster_api: " .. err, 0)
    end
    return setmetatable({
        settings = settings,
        secret = secret,
        -- RFC 6749 section 2.3.1 form-encodes the client id and secret before HTTP Basic encoding.
        oauth = oauth2.session {
            name = "oneroster_api", token_url = settings.token_url, client_id = form_encode(settings.client_id),
            client_secret = form_encode(secret), timeout = settings.timeout, retries = settings.retries,
            access_hint = "check that the client may read this collection",
        },
    }, Session)
end

-- Splits an absolute URL into the base string URI of RFC 5849 section 3.4.1.2 (lower-case scheme and
-- host, no default port, no query or fragment) and its raw query.
local function split_signed_url(url)
    local scheme, authority, rest = url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
    if not scheme then
        error("oneroster_api: cannot sign '" .. url .. "'; expected an absolute http or https URL", 0)
    end
    scheme = scheme:lower()
    rest = rest:gsub("#.*$", "")
    local path, query = rest:match("^([^?]*)%??(.*)$")
    local host, port = authority:match("^(.-):(%d+)$")
    host = (host or authority):lower()
    if port == (scheme == "https" and "443" or "80") then
        port = nil
    end
    local base_uri = scheme .. "://" .. host .. (port and (":" .. port) or "") .. (path == "" and "/" or path)
    return base_uri, query
end

-- Builds the Authorization header of a two-legged OAuth 1.0a request signed with HMAC-SHA256: the
-- consumer key and secret are client_id and client_secret, and there is no token.
function Session:oauth1_header(method, url)
    local base_uri, query = split_signed_url(url)
    local protocol = {
        oauth_consumer_key = self.settings.client_id,
        oauth_nonce = rollbook.crypto.random_hex(32),
        oauth_signature_method = "HMAC-SHA256",
        oauth_timestamp = string.format("%d", rollbook.time.unix()),
        oauth_version = "1.0",
    }

    -- RFC 5849 section 3.4.1.3: the query and protocol parameters, each name and value encoded, sorted
    -- by name and then value, and joined as name=value pairs with '&'.
    local parameters = {}
    for item in query:gmatch("[^&]+") do
        local name, value = item:match("^([^=]*)=?(.*)$")
        parameters[#parameters + 1] = { form_encode(form_decode(name)), form_encode(form_decode(value)) }
    end
    for name, value in pairs(protocol) do
        parameters[#parameters + 1] = { name, form_encode(value) }
    end
    table.sort(parameters, function(left, right)
        if left[1] ~= right[1] then
            return bytes_less(left[1], right[1])
        end
        return bytes_less(left[2], right[2])
    end)
    local normalized = {}
    for index, parameter in ipairs(parameters) do
        normalized[index] = parameter[1] .. "=" .. parameter[2]
    end
    local base_string = method:upper() .. "&" .. form_encode(base_uri) .. "&"
        .. form_encode(table.concat(normalized, "&"))

    local key = form_encode(self.secret) .. "&"
    protocol.oauth_signature = rollbook.base64.encode(rollbook.crypto.hmac_sha256(key, base_string))
    local fields = {}
    for _, name in ipairs({ "oauth_consumer_key", "oauth_nonce", "oauth_signature_method", "oauth_timestamp",
        "oauth_version", "oauth_signature" }) do
        fields[#fields + 1] = name .. '="' .. form_encode(protocol[name]) .. '"'
    end
    return "OAuth " .. table.concat(fields, ", ")
end

-- Sends one GET signed with OAuth 1.0a. Each attempt, retries included, gets a new nonce and timestamp,
-- because a provider may have stored the nonce of an attempt that failed and would reject it as a replay.
-- A 401 is final, because a new signature with the same secret would be rejected again.
function Session:get_signed(url)
    local response, err = http.request {
        url = url,
        headers = { ["Accept"] = "application/json" },
        timeout = self.settings.timeout,
        retries = self.settings.retries,
        sign = function(request)
            return { ["Authorization"] = self:oauth1_header(request.method, request.url) }
        end,
    }
    if not response then
        error("oneroster_api: reading " .. url .. " failed: " .. err, 0)
    end
    if response.status == 401 then
        error(string.format("oneroster_api: %s rejected the OAuth 1.0a signature with HTTP 401: %s; check "
            .. "client_id (the consumer key), client_secret (the consumer secret) and this host's clock",
            url, response.body:sub(1, 200)), 0)
    end
    return response
end

-- Sends a GET: signed with OAuth 1.0a, or with the Bearer token of OAuth 2.0, renewed once on a 401.
function Session:get(url)
    if self.settings.auth == "oauth1" then
        return self:get_signed(url)
    end
    return self.oauth:get(url)
end

-- Returns the target of the rel="next" link in a Link header, or nil.
local function next_link(header)
    if not header then
        return nil
    end
    for target, params in header:gmatch("<([^>]*)>([^,]*)") do
        local relation = params:match('rel%s*=%s*"([^"]*)"') or params:match("rel%s*=%s*([%w%-]+)")
        if relation then
            for name in relation:gmatch("%S+") do
                if name:lower() == "next" then
                    return target
                end
            end
        end
    end
    return nil
end

-- Turns a relative Link target into an absolute URL on the provider's host.
local function absolute(url, base)
    if url:match("^https?://") then
        return url
    end
    local origin = base:match("^(https?://[^/]+)")
    if url:sub(1, 1) == "/" then
        return origin .. url
    end
    return base:gsub("[^/]*$", "") .. url
end

local function is_guid_ref(value)
    return type(value) == "table" and type(value.sourcedId) == "string"
end

-- Converts one JSON value to what ctx.emit takes: strings, lists of strings, userIds and metadata tables.
local function plain(value)
    local kind = type(value)
    if kind == "boolean" then
        return value and "true" or "false"
    elseif kind == "number" then
        return math.type(value) == "integer" and string.format("%d", value) or tostring(value)
    end
    return value
end

-- Maps a REST record to the CSV binding's fields: `parent` becomes parentSourcedId,
-- `orgs` becomes orgSourcedIds, and so on. JSON nulls and derived fields are left out.
local function flatten(record)
    local out = {}
    for key, value in pairs(record) do
        if value == json.null or derived_fields[key] then
            -- left out
        elseif is_guid_ref(value) then
            out[key .. "SourcedId"] = value.sourcedId
        elseif type(value) == "table" and is_guid_ref(value[1]) then
            local ids = {}
            for index, ref in ipairs(value) do
                ids[index] = ref.sourcedId
            end
            out[key:gsub("s$", "") .. "SourcedIds"] = ids
        elseif type(value) == "table" and next(value) == nil and key ~= "metadata" then
            -- An empty list is an empty field.
        elseif type(value) == "table" and key ~= "metadata" and key ~= "userIds" then
            local items = {}
            for index, item in ipairs(value) do
                items[index] = plain(item)
            end
            out[key] = items
        else
            out[key] = plain(value)
        end
    end
    return out
end

-- Emits a 1.2 user and the roles and user profiles nested in it.
local function emit_user_v1p2(ctx, record, options)
    local roles, profiles = record.roles, record.userProfiles
    record.roles, record.userProfiles = nil, nil
    local user = flatten(record)
    ctx.emit("users", user, options)
    if type(profiles) == "table" then
        for _, profile in ipairs(profiles) do
            local credentials = profile.credentials
            profile.credentials = nil
            local row = flatten(profile)
            row.sourcedId = row.profileId or row.sourcedId
            row.profileId = nil
            row.userSourcedId = user.sourcedId
            -- The CSV binding has room for one credential. Passwords are never read.
            local credential = type(credentials) == "table" and credentials[1]
            if type(credential) == "table" then
                row.credentialType = plain(credential.type)
                row.username = plain(credential.username)
            end
            ctx.emit("userProfiles", row, options)
        end
    end
    if type(roles) == "table" then
        for _, role in ipairs(roles) do
            local row = flatten(role)
            row.userSourcedId = user.sourcedId
            -- A 1.2 role has no sourcedId of its own, so one is built from the user, org and role.
            row.sourcedId = string.format("%s:%s:%s", tostring(user.sourcedId), tostring(row.orgSourcedId),
                tostring(row.role))
            ctx.emit("roles", row, options)
        end
    end
end

-- Returns the filter expression of every request: the `filter` setting, and with `since` a
-- dateLastModified condition joined to it with AND. Returns nil when there is neither.
local function request_filter(settings, since)
    local changed = since and ("dateLastModified>'" .. since .. "'")
    if settings.filter and changed then
        return settings.filter .. " AND " .. changed
    end
    return settings.filter or changed
end

-- Reads every page of one collection and emits its records; returns the record count.
-- `options` goes to every ctx.emit call, such as { mode = "delta" } for an incremental run.
local function read_collection(ctx, session, entity, expression, options)
    local settings = ctx.settings
    local limit = settings.page_size
    local base = settings.base_url:gsub("/+$", "") .. "/" .. entity
    local filter = expression and ("&filter=" .. form_encode(expression)) or ""
    local offset, largest, count = 0, 0, 0
    local url = string.format("%s?limit=%d&offset=%d%s", base, limit, offset, filter)
    local capped_noted = false

    for _ = 1, max_pages do
        local response = session:get(url)
        if response.status ~= 200 then
            error(string.format("oneroster_api: %s returned HTTP %d: %s", url, response.status,
                response.body:sub(1, 200)), 0)
        end
        local document, err = json.decode(response.body)
        if document == nil then
            error("oneroster_api: the response from " .. url .. " is not valid JSON: " .. err, 0)
        end
        local list = type(document) == "table" and document[entity]
        if type(list) ~= "table" then
            error("oneroster_api: the response from " .. url .. " has no '" .. entity
                .. "' collection; expected a JSON object with an '" .. entity .. "' array", 0)
        end

        local received = #list
        for _, record in ipairs(list) do
            if type(record) ~= "table" then
                error("oneroster_api: the response from " .. url .. " holds a " .. entity
                    .. " entry that is not a JSON object", 0)
            end
            if entity == "users" and settings.version == "1.2" then
                emit_user_v1p2(ctx, record, options)
            else
                ctx.emit(entity, flatten(record), options)
            end
        end
        count = count + received
        offset = offset + received

        local total = tonumber(response.headers["x-total-count"])
        local link = next_link(response.headers["link"])
        if received == 0 then
            return count
        end
        if received < limit and not capped_noted and (link or (total and offset < total) or received >= largest) then
            capped_noted = true
            log.warn("server returned fewer records than the limit; paging on by offset",
                { entity = entity, limit = tostring(limit), received = tostring(received) })
        end
        if received > largest then
            largest = received
        end

        if link then
            local target = absolute(link, url)
            if target == url then
                error("oneroster_api: " .. url .. " names itself as the next page", 0)
            end
            url = target
        elseif total then
            if offset >= total then
                return count
            end
            url = string.format("%s?limit=%d&offset=%d%s", base, limit, offset, filter)
        elseif received < limit and received < largest then
            return count
        else
            url = string.format("%s?limit=%d&offset=%d%s", base, limit, offset, filter)
        end
    end
    error("oneroster_api: " .. entity .. " needed more than " .. max_pages .. " pages; raise page_size", 0)
end

return {
    name = "oneroster_api",
    version = "1.0.0",
    description = "OneRoster 1.1 or 1.2 REST provider, read with OAuth 2.0 client credentials or OAuth 1.0a",

    settings = settings_library.with_request_settings({
        base_url = {
            type = "string",
            required = true,
            description = "Root of the rostering endpoints, such as https://sis.example.org/ims/oneroster/v1p1",
        },
        version = { type = "string", default = "1.1", description = "OneRoster version of the JSON: 1.1 or 1.2" },
        auth = {
            type = "string",
            default = "oauth2",
            description = "oauth2 (client credentials grant) or oauth1 (every GET signed with OAuth 1.0a HMAC-SHA256)",
        },
        client_id = {
            type = "string",
            required = true,
            description = "OAuth 2.0 client id, or the OAuth 1.0a consumer key",
        },
        client_secret = {
            type = "string",
            required = true,
            secret = true,
            description = "OAuth 2.0 client secret, or the OAuth 1.0a consumer secret",
        },
        filter = {
            type = "string",
            description = "OneRoster filter sent with every request, such as dateLastModified>'2024-08-01'",
        },
        token_url = { type = "string", description = "OAuth 2.0 token endpoint; required with auth = oauth2" },
        page_size = { type = "integer", default = 100, description = "Page size: the limit of each request" },
        entities = {
            type = "table",
            description = "Collections to read; default orgs, academicSessions, courses, classes, users, "
                .. "enrollments, demographics",
        },
        incremental = {
            type = "boolean",
            default = false,
            description = "After a complete run, request only records whose dateLastModified is later than the "
                .. "start of the last complete run, and apply them as a delta",
        },
    }),

    check = function(ctx)
        local entities = checked_entities(ctx.settings)
        local session = new_session(ctx.settings)
        if ctx.settings.auth == "oauth2" then
            session.oauth:authenticate()
        end
        local url = ctx.settings.base_url:gsub("/+$", "") .. "/" .. entities[1] .. "?limit=1&offset=0"
        local response = session:get(url)
        if response.status ~= 200 then
            return nil, string.format("%s returned HTTP %d", url, response.status)
        end
        return true
    end,

    sync = function(ctx)
        local entities = checked_entities(ctx.settings)
        local session = new_session(ctx.settings)
        -- Taken before the first request, so a record changed while this run reads is requested again next time.
        local started = rollbook.time.now()
        local since = ctx.settings.incremental and ctx.state.since or nil
        if since ~= nil and type(since) ~= "string" then
            error("oneroster_api: the saved state 'since' is '" .. tostring(since)
                .. "', not a time; turn incremental off for one run to read everything again", 0)
        end
        local expression = request_filter(ctx.settings, since)
        local options = since and { mode = "delta" } or nil
        for _, entity in ipairs(entities) do
            local count = read_collection(ctx, session, entity, expression, options)
            log.info("collection read", { entity = entity, records = tostring(count), since = since or "-" })
        end
        -- NOTE: rollbook.time.now() has whole seconds and the filter is a strict '>', so a record changed
        -- later in the same second as `started`, after its collection was read, is missed by the next run.
        ctx.state.since = ctx.settings.incremental and started or nil
    end,
}
