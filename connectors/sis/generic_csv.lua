-- Reads any CSV export whose columns config.lua maps to OneRoster fields.
--
-- The `files` setting names, per OneRoster entity, a CSV file under `path` and how
-- each OneRoster field is filled: from a column, from several columns joined, or
-- from a constant, and optionally through a list of transforms. For example:
--
--   files = {
--       users = {
--           file = "people.csv",
--           fields = {
--               sourcedId = "PersonID",
--               role = { column = "Role", transforms = { "trim", "lowercase" } },
--               orgSourcedIds = { column = "School", transforms = { { prefix = "sch-" } } },
--               identifier = { columns = { "School", "Local ID" }, separator = ":" },
--               enabledUser = { value = "true" },
--           },
--       },
--   }
--
-- check validates the whole mapping and every file's header before any row is read.

local csv = rollbook.csv

local common_fields = { "sourcedId", "status", "dateLastModified" }

-- OneRoster 1.1 and 1.2 CSV fields per entity, without the common ones. A field whose
-- name starts with "metadata." is accepted for every entity.
local entity_fields = {
    orgs = { "name", "type", "identifier", "parentSourcedId" },
    academicSessions = { "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear" },
    courses = { "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes" },
    classes = {
        "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId",
        "termSourcedIds", "subjects", "subjectCodes", "periods",
    },
    users = {
        "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName", "middleName",
        "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier",
        "resourceSourcedIds", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
        "primaryOrgSourcedId", "pronouns",
    },
    userProfiles = {
        "userSourcedId", "profileType", "vendorId", "applicationId", "description", "credentialType", "username",
        "password",
    },
    roles = { "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId" },
    enrollments = { "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate" },
    demographics = {
        "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
        "publicSchoolResidenceStatus",
    },
}

-- Entities in dependency order, so that records are emitted before those that refer to them.
local entity_order = {
    "orgs", "academicSessions", "courses", "classes", "users", "userProfiles", "roles", "enrollments", "demographics",
}

local known_fields = {}
for entity, fields in pairs(entity_fields) do
    local set = {}
    for _, field in ipairs(common_fields) do
        set[field] = true
    end
    for _, field in ipairs(fields) do
        set[field] = true
    end
    known_fields[entity] = set
end

local function sorted_keys(map)
    local keys = {}
    for key in pairs(map) do
        keys[#keys + 1] = tostring(key)
    end
    table.sort(keys)
    return keys
end

-- Date layouts that the `date` transform reads. Each function returns year, month and day strings.
local date_layouts = {
    ["MM/DD/YYYY"] = function(text)
        local month, day, year = text:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
        return year, month, day
    end,
    ["DD/MM/YYYY"] = function(text)
        local day, month, year = text:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
        return year, month, day
    end,
    ["DD.MM.YYYY"] = function(text)
        local day, month, year = text:match("^(%d%d?)%.(%d%d?)%.(%d%d%d%d)$")
        return year, month, day
    end,
    ["YYYYMMDD"] = function(text)
        return text:match("^(%d%d%d%d)(%d%d)(%d%d)$")
    end,
}

-- Transforms without a parameter, written as a plain string in `transforms`.
local simple_transforms = {
    trim = function(value)
        return (value:gsub("^%s+", ""):gsub("%s+$", ""))
    end,
    lowercase = string.lower,
    uppercase = string.upper,
}

-- Builders of transforms with one parameter, written as a one-key table such as { prefix = "sch-" }.
-- Each returns the transform, or nil and what the parameter should have been.
local parameter_transforms = {
    prefix = function(text)
        if type(text) ~= "string" then
            return nil, "a string"
        end
        return function(value)
            return text .. value
        end
    end,
    suffix = function(text)
        if type(text) ~= "string" then
            return nil, "a string"
        end
        return function(value)
            return value .. text
        end
    end,
    date = function(layout)
        local read = date_layouts[layout]
        if not read then
            return nil, "one of " .. table.concat(sorted_keys(date_layouts), ", ")
        end
        -- A value that does not match the layout is kept, so a date field's validation rejects the row and names it.
        return function(value)
            local year, month, day = read(value)
            if not year then
                return value
            end
            return string.format("%s-%02d-%02d", year, tonumber(month), tonumber(day))
        end
    end,
    map = function(values_by_source)
        if type(values_by_source) ~= "table" then
            return nil, "a table of source value = OneRoster value"
        end
        -- A value missing from the table is kept as given, and the validator then checks it.
        return function(value)
            return values_by_source[value] or value
        end
    end,
}

local function transform_names()
    local names = sorted_keys(simple_transforms)
    for _, name in ipairs(sorted_keys(parameter_transforms)) do
        names[#names + 1] = "{ " .. name .. " = ... }"
    end
    return table.concat(names, ", ")
end

-- Compiles one field's mapping into { column = , columns = , separator = , value = ,
-- transforms = { function, ... } },
-- or returns nil and a message. `where` names the field for messages, such as "files.users.fields.role".
local function compile_field(spec, where)
    if type(spec) == "string" then
        return { column = spec, transforms = {} }
    end
    if type(spec) ~= "table" then
        return nil, where .. " is '" .. tostring(spec) .. "'; expected a column name or a table "
            .. "{ column = , transforms = }, { columns = { ... }, separator = , transforms = } or { value = }"
    end
    for _, key in ipairs(sorted_keys(spec)) do
        if key ~= "column" and key ~= "columns" and key ~= "separator" and key ~= "value" and key ~= "transforms" then
            return nil, where .. " has unknown key '" .. key .. "'; expected column, columns, separator, value or "
                .. "transforms"
        end
    end
    local sources = (spec.column ~= nil and 1 or 0) + (spec.columns ~= nil and 1 or 0) + (spec.value ~= nil and 1 or 0)
    if sources ~= 1 then
        return nil, where .. " must have exactly one of 'column', 'columns' and 'value'"
    end
    if spec.columns ~= nil then
        if type(spec.columns) ~= "table" or #spec.columns < 2 then
            return nil, where .. ".columns must be a list of at least two column names, such as { \"School\", \"ID\" }"
        end
        for position, column in ipairs(spec.columns) do
            if type(column) ~= "string" then
                return nil, where .. ".columns[" .. position .. "] is '" .. tostring(column)
                    .. "'; expected a column name"
            end
        end
    end
    if spec.separator ~= nil and (spec.columns == nil or type(spec.separator) ~= "string") then
        return nil, where .. ".separator must be a string and needs 'columns'"
    end
    if spec.column ~= nil and type(spec.column) ~= "string" then
        return nil, where .. ".column is '" .. tostring(spec.column) .. "'; expected a column name"
    end
    if spec.value ~= nil and type(spec.value) ~= "string" then
        return nil, where .. ".value is '" .. tostring(spec.value) .. "'; expected a string, such as \"true\""
    end
    local compiled = {
        column = spec.column, columns = spec.columns, separator = spec.separator or "-", value = spec.value,
        transforms = {},
    }
    local transform_list = spec.transforms or {}
    if type(transform_list) ~= "table" then
        return nil, where .. ".transforms must be a list such as { \"trim\" }"
    end
    for position, item in ipairs(transform_list) do
        local label = where .. ".transforms[" .. position .. "]"
        local transform
        if type(item) == "string" then
            transform = simple_transforms[item]
            if not transform then
                return nil, label .. " is unknown transform '" .. item .. "'; expected one of " .. transform_names()
            end
        elseif type(item) == "table" then
            local keys = sorted_keys(item)
            local builder = #keys == 1 and parameter_transforms[keys[1]] or nil
            if not builder then
                return nil, label .. " is a table with keys '" .. table.concat(keys, ", ") .. "'; expected one of "
                    .. transform_names()
            end
            local expected
            transform, expected = builder(item[keys[1]])
            if not transform then
                return nil, label .. " (" .. keys[1] .. ") needs " .. expected
            end
        else
            return nil, label .. " is a " .. type(item) .. "; expected one of " .. transform_names()
        end
        compiled.transforms[#compiled.transforms + 1] = transform
    end
    return compiled
end

-- Compiles and checks the whole `files` setting against the OneRoster fields and the files'
-- headers. Returns a list of { entity = , file = , fields = { name = compiled } }, or nil and a
-- message naming the entity, field, file and column at fault.
local function compile_mapping(ctx)
    local files = ctx.settings.files
    local plan = {}
    for _, entity in ipairs(sorted_keys(files)) do
        if not entity_fields[entity] then
            return nil, "files." .. entity .. " is not a OneRoster entity; expected one of "
                .. table.concat(entity_order, ", ")
        end
    end
    for _, entity in ipairs(entity_order) do
        local mapping = files[entity]
        if mapping ~= nil then
            local where = "files." .. entity
            if type(mapping) ~= "table" or type(mapping.file) ~= "string" or type(mapping.fields) ~= "table" then
                return nil, where .. " must be a table { file = \"name.csv\", fields = { ... } }"
            end
            for _, key in ipairs(sorted_keys(mapping)) do
                if key ~= "file" and key ~= "fields" then
                    return nil, where .. " has unknown key '" .. key .. "'; expected file and fields"
                end
            end
            local path = ctx.settings.path .. "/" .. mapping.file
            local header, err = csv.header(path)
            if not header then
                return nil, where .. ": cannot read '" .. mapping.file .. "' in folder '" .. ctx.settings.path
                    .. "': " .. err
            end
            local columns = {}
            for _, column in ipairs(header) do
                if columns[column] then
                    return nil, mapping.file .. ": column '" .. column .. "' appears twice in the header; remove one"
                end
                columns[column] = true
            end
            local compiled_fields = {}
            for _, field in ipairs(sorted_keys(mapping.fields)) do
                local field_where = where .. ".fields." .. field
                if not known_fields[entity][field] and not field:match("^metadata%.[%w_]+$") then
                    return nil, field_where .. ": '" .. field .. "' is not a OneRoster field of " .. entity
                        .. "; expected one of " .. table.concat(sorted_keys(known_fields[entity]), ", ")
                        .. ", or metadata.NAME"
                end
                local compiled, problem = compile_field(mapping.fields[field], field_where)
                if not compiled then
                    return nil, problem
                end
                for _, column in ipairs(compiled.columns or { compiled.column }) do
                    if not columns[column] then
                        return nil, field_where .. " reads column '" .. column .. "', which is missing from '"
                            .. mapping.file .. "'; its header has " .. table.concat(header, ", ")
                    end
                end
                compiled_fields[field] = compiled
            end
            if not compiled_fields.sourcedId then
                return nil, where .. ".fields has no 'sourcedId'; map it to the column holding each row's stable id"
            end
            plan[#plan + 1] = { entity = entity, file = mapping.file, path = path, fields = compiled_fields }
        end
    end
    if #plan == 0 then
        return nil, "files is empty; map at least one OneRoster entity to a CSV file"
    end
    return plan
end

-- Returns the values of `columns` joined by `separator`, or nil when one of them is empty,
-- so that a half-filled row does not make an id such as "sec-1-".
local function join_columns(row, columns, separator)
    local parts = {}
    for position, column in ipairs(columns) do
        local part = row[column]
        if part == nil or part == "" then
            return nil
        end
        parts[position] = part
    end
    return table.concat(parts, separator)
end

-- Emits one record per row of a planned file. Empty cells leave the field out.
local function emit_file(ctx, entry)
    local names = sorted_keys(entry.fields)
    local specs = {}
    for position, name in ipairs(names) do
        specs[position] = entry.fields[name]
    end
    for row in csv.rows(entry.path) do
        local record = {}
        for position = 1, #names do
            local spec = specs[position]
            local value
            if spec.columns then
                value = join_columns(row, spec.columns, spec.separator)
            else
                value = spec.value or row[spec.column]
            end
            if value ~= nil and value ~= "" then
                for _, transform in ipairs(spec.transforms) do
                    value = transform(value)
                end
                if value ~= "" then
                    record[names[position]] = value
                end
            end
        end
        ctx.emit(entry.entity, record)
    end
end

return {
    name = "generic_csv",
    version = "1.0.0",
    description = "Any CSV export, its columns mapped to OneRoster fields in config.lua",

    settings = {
        path = { type = "path", required = true, description = "Folder that contains the CSV files" },
        files = {
            type = "table",
            required = true,
            description = "Per OneRoster entity: { file = \"name.csv\", fields = { field = column or "
                .. "{ column = , transforms = } or { columns = { ... }, separator = } or { value = } } }",
        },
    },

    check = function(ctx)
        local plan, err = compile_mapping(ctx)
        if not plan then
            return nil, err
        end
        return true
    end,

    sync = function(ctx)
        local plan, err = compile_mapping(ctx)
        if not plan then
            error(err, 0)
        end
        for _, entry in ipairs(plan) do
            emit_file(ctx, entry)
        end
    end,
}
