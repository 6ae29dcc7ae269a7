-- Reads user accounts from Active Directory or another LDAP directory.
--
-- The connector binds as a service account, lists the entries under base_dn that match the filter with a
-- paged search, and emits one OneRoster user per entry. Search references are skipped, not followed. The
-- role comes from a fixed setting or from rules on group membership (memberOf) and on the entry's OU; the
-- org comes from a fixed school sourcedId or from rules on the OU.

local ldap = rollbook.ldap

-- OneRoster user fields and the attribute each is read from when the `attributes` setting leaves it out.
local default_attributes = {
    sourcedId = "objectGUID",
    username = "sAMAccountName",
    givenName = "givenName",
    familyName = "sn",
    email = "mail",
    identifier = "employeeID",
}

local mapped_fields = { "sourcedId", "username", "givenName", "familyName", "email", "identifier" }

-- Active Directory's userAccountControl flag for a disabled account (ACCOUNTDISABLE).
local account_disabled_flag = 0x2

local function settings_error(message)
    error("ldap_users settings: " .. message, 0)
end

-- Returns the lowercase DN with the spaces after commas removed, so DNs written by hand still compare.
local function normalized_dn(dn)
    return (dn:lower():gsub(",%s+", ","))
end

-- Returns whether `dn` is `ancestor` or lies below it.
local function is_under(dn, ancestor)
    local child, parent = normalized_dn(dn), normalized_dn(ancestor)
    return child == parent or child:sub(-(#parent + 1)) == "," .. parent
end

-- Checks the settings and returns the attribute mapping, with defaults for the fields it leaves out.
local function checked_mapping(settings)
    local mapping = {}
    for field, attribute in pairs(default_attributes) do
        mapping[field] = attribute
    end
    for field, attribute in pairs(settings.attributes or {}) do
        if default_attributes[field] == nil then
            settings_error("attributes has unknown field '" .. tostring(field) .. "'; expected one of "
                .. table.concat(mapped_fields, ", "))
        end
        if type(attribute) ~= "string" or attribute == "" then
            settings_error("attributes." .. field .. " '" .. tostring(attribute) .. "' must be an attribute name")
        end
        mapping[field] = attribute
    end
    return mapping
end

-- Checks one rule list, `role_rules` or `org_rules`, whose rules carry `value_field` and match on `group` or `ou`.
local function check_rules(rules, name, value_field)
    for index, rule in ipairs(rules or {}) do
        local where = string.format("%s[%d]", name, index)
        if type(rule) ~= "table" then
            settings_error(where .. " must be a table such as { ou = \"ou=Staff,dc=example,dc=org\", "
                .. value_field .. " = \"...\" }")
        end
        if type(rule[value_field]) ~= "string" or rule[value_field] == "" then
            settings_error(where .. " has no '" .. value_field .. "' string")
        end
        local has_group, has_ou = type(rule.group) == "string", type(rule.ou) == "string"
        if has_group == has_ou then
            settings_error(where .. " must have exactly one of 'group' (a group DN) or 'ou' (an OU DN)")
        end
        if has_group and name == "org_rules" then
            settings_error(where .. " uses 'group'; org rules match on 'ou' only")
        end
    end
end

-- Returns the list of attributes to request: the mapped ones and those the rules need.
local function requested_attributes(mapping, settings)
    local seen, list = {}, {}
    local function add(name)
        if not seen[name:lower()] then
            seen[name:lower()] = true
            list[#list + 1] = name
        end
    end
    for _, field in ipairs(mapped_fields) do
        add(mapping[field])
    end
    if mapping.username == "sAMAccountName" then
        -- OpenLDAP directories have no sAMAccountName, so uid is the fallback username.
        add("uid")
    end
    add("userAccountControl")
    for _, rule in ipairs(settings.role_rules or {}) do
        if rule.group then
            add("memberOf")
        end
    end
    return list
end

-- Returns the first value of an attribute, or nil when the entry has none.
local function first(entry, attribute)
    local values = entry.attributes[attribute]
    return values and values[1]
end

-- Returns the value of the first rule that matches the entry, or nil.
local function match_rule(rules, entry, value_field)
    for _, rule in ipairs(rules or {}) do
        if rule.ou and is_under(entry.dn, rule.ou) then
            return rule[value_field]
        end
        if rule.group then
            for _, group in ipairs(entry.attributes.memberOf or {}) do
                if normalized_dn(group) == normalized_dn(rule.group) then
                    return rule[value_field]
                end
            end
        end
    end
    return nil
end

local function search(settings, attributes)
    local password, err = rollbook.secrets.get("bind_password")
    if not password then
        return nil, err
    end
    return ldap.search({
        url = settings.url,
        bind_dn = settings.bind_dn,
        bind_password = password,
        base_dn = settings.base_dn,
        filter = settings.filter,
        attributes = attributes,
        page_size = settings.page_size,
        start_tls = settings.start_tls,
        ca_file = settings.ca_file,
    })
end

-- Builds the OneRoster user for one entry. A value that cannot be mapped, such as a missing role, is left
-- empty so that the validator reports the record with its field and rule.
local function user_record(entry, mapping, settings)
    local username = first(entry, mapping.username)
    if username == nil and mapping.username == "sAMAccountName" then
        username = first(entry, "uid")
    end
    local enabled = true
    local control = tonumber(first(entry, "userAccountControl") or "")
    if control and (math.tointeger(control) or 0) & account_disabled_flag ~= 0 then
        enabled = false
    end
    local org = match_rule(settings.org_rules, entry, "org") or settings.org
    return {
        sourcedId = first(entry, mapping.sourcedId) or "",
        enabledUser = enabled,
        orgSourcedIds = org and { org } or {},
        role = match_rule(settings.role_rules, entry, "role") or settings.role or "",
        username = username or "",
        givenName = first(entry, mapping.givenName) or "",
        familyName = first(entry, mapping.familyName) or "",
        email = first(entry, mapping.email),
        identifier = first(entry, mapping.identifier),
    }
end

local function prepare(settings)
    local mapping = checked_mapping(settings)
    check_rules(settings.role_rules, "role_rules", "role")
    check_rules(settings.org_rules, "org_rules", "org")
    if type(settings.orgs) == "table" then
        for index, org in ipairs(settings.orgs) do
            if type(org) ~= "table" or type(org.sourcedId) ~= "string" or type(org.name) ~= "string" then
                settings_error(string.format("orgs[%d] must be a table with 'sourcedId' and 'name' strings", index))
            end
        end
    end
    return mapping, requested_attributes(mapping, settings)
end

return {
    name = "ldap_users",
    version = "1.0.0",
    description = "Users from Active Directory or an LDAP directory, read with a paged search",

    settings = {
        url = { type = "string", required = true, description = "Server URL: ldap://host:port or ldaps://host:port" },
        bind_dn = { type = "string", required = true, description = "DN of the service account that searches" },
        bind_password = {
            type = "string",
            required = true,
            secret = true,
            description = "Password of the service account",
        },
        base_dn = { type = "string", required = true, description = "Entry under which users are searched (subtree)" },
        filter = {
            type = "string",
            default = "(objectClass=person)",
            description = "LDAP filter that selects user entries. In Active Directory, computer accounts are "
                .. "persons too; use (&(objectCategory=person)(objectClass=user)) there",
        },
        attributes = {
            type = "table",
            description = "Attribute read for each user field: sourcedId (default objectGUID, in base64), username "
                .. "(sAMAccountName, then uid), givenName, familyName (sn), email (mail), identifier (employeeID)",
        },
        role = { type = "string", description = "Role of users that no role rule matches, such as student" },
        role_rules = {
            type = "table",
            description = "Ordered rules { group = DN or ou = DN, role = } where the first match sets the role; "
                .. "group matches memberOf",
        },
        org = { type = "string", description = "sourcedId of the school of users that no org rule matches" },
        org_rules = {
            type = "table",
            description = "Ordered rules { ou = DN, org = sourcedId } where the first OU that contains the entry "
                .. "sets the org",
        },
        orgs = {
            type = "table",
            description = "Orgs to emit: { { sourcedId = , name = , type = } }, with type school by default",
        },
        page_size = { type = "integer", default = 500, description = "Entries requested per page of the search" },
        start_tls = { type = "boolean", default = false, description = "Upgrade an ldap:// connection with StartTLS" },
        ca_file = { type = "path", description = "PEM file with the CA that signed the server's certificate" },
    },

    -- NOTE: check runs the same search as sync, with every page, because the host API has no bind-only call.
    check = function(ctx)
        local _, attributes = prepare(ctx.settings)
        local entries, err = search(ctx.settings, attributes)
        if not entries then
            return nil, err
        end
        if #entries == 0 then
            return nil, "the search under '" .. ctx.settings.base_dn .. "' with filter '" .. ctx.settings.filter
                .. "' found no entries; check base_dn and filter"
        end
        return true
    end,

    sync = function(ctx)
        local mapping, attributes = prepare(ctx.settings)
        local entries, err = search(ctx.settings, attributes)
        if not entries then
            error(err, 0)
        end
        for _, org in ipairs(ctx.settings.orgs or {}) do
            ctx.emit("orgs", { sourcedId = org.sourcedId, name = org.name, type = org.type or "school" })
        end
        for _, entry in ipairs(entries) do
            ctx.emit("users", user_record(entry, mapping, ctx.settings))
        end
    end,
}
