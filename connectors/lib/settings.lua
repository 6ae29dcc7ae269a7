-- Collects the problems of a connector's settings, so that one run names every problem at once
-- instead of the first, and checks the request settings the API connectors share.
--
--   local problems = rollbook.library("settings").problems("powerschool")
--   if settings.page_size < 1 then problems:add("page_size '...' must be at least 1") end
--   problems:check_request(settings)   -- timeout and retries
--   problems:raise()                   -- one error listing them all, when there is any
--
-- `with_request_settings(schema)` adds the schema entries of timeout and retries to a connector's settings.

-- The maximum number of retries that rollbook.http.request accepts.
local maximum_retries = 10

local Problems = {}
Problems.__index = Problems

function Problems:add(message)
    self.list[#self.list + 1] = message
end

-- Adds the problems of `timeout` (seconds, above 0) and `retries` (0 to 10).
function Problems:check_request(settings)
    if settings.timeout <= 0 then
        self:add("timeout '" .. settings.timeout .. "' must be a positive number of seconds")
    end
    if settings.retries < 0 or settings.retries > maximum_retries then
        self:add("retries '" .. settings.retries .. "' must be from 0 to " .. maximum_retries)
    end
end

-- Adds the problem of a `school_year` (the year in which the school year ends) outside 1900 to 2999.
function Problems:check_school_year(settings)
    local year = settings.school_year
    if year and (year < 1900 or year > 2999) then
        self:add("school_year '" .. year .. "' is not a year; expected the year in which the school year ends, "
            .. "such as 2026")
    end
end

-- Raises one error naming the connector and every problem, each on its own line, when there is any.
function Problems:raise()
    if #self.list == 1 then
        error(self.name .. " settings: " .. self.list[1], 0)
    elseif #self.list > 1 then
        error(self.name .. " settings:\n  " .. table.concat(self.list, "\n  "), 0)
    end
end

-- The schema entries of `timeout` and `retries`, which check_request checks.
local request_schema = {
    timeout = { type = "number", default = 30, description = "Time limit of one HTTP attempt in seconds" },
    retries = {
        type = "integer",
        default = 3,
        description = "Retries of a request after 429, 5xx or a connection error, from 0 to 10",
    },
}

return {
    problems = function(name)
        return setmetatable({ name = name, list = {} }, Problems)
    end,

    -- Returns `schema` with the `timeout` and `retries` entries added.
    with_request_settings = function(schema)
        for name, entry in pairs(request_schema) do
            schema[name] = entry
        end
        return schema
    end,
}
