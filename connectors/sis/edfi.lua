-- Reads an Ed-Fi ODS API v3 data root with OAuth 2.0 client credentials and maps its
-- resources to OneRoster records.
--
-- Every resource is read page by page with limit and offset until a page is shorter than
-- the limit. Descriptor values ("namespace#codeValue") map to OneRoster vocabulary through
-- the built-in ed-fi.org tables below and then the district's descriptorMappings resource.
-- A descriptor that maps to nothing is reported with ctx.report and its field left blank.

local json = rollbook.json
local oauth2 = rollbook.library("oauth2")
local settings_library = rollbook.library("settings")
local log = rollbook.log

-- A safety bound on requests per resource, far above 10M records at 100 per page.
local max_pages = 1000000

local edfi_namespace = "uri://ed-fi.org/"

-- Ed-Fi GradeLevelDescriptor code values and their CEDS grade codes.
local grade_codes = {
    ["Infant/toddler"] = "IT",
    ["Preschool/Prekindergarten"] = "PK",
    ["Transitional Kindergarten"] = "TK",
    ["Kindergarten"] = "KG",
    ["First grade"] = "01",
    ["Second grade"] = "02",
    ["Third grade"] = "03",
    ["Fourth grade"] = "04",
    ["Fifth grade"] = "05",
    ["Sixth grade"] = "06",
    ["Seventh grade"] = "07",
    ["Eighth grade"] = "08",
    ["Ninth grade"] = "09",
    ["Tenth grade"] = "10",
    ["Eleventh grade"] = "11",
    ["Twelfth grade"] = "12",
    ["Grade 13"] = "13",
    ["Postsecondary"] = "PS",
    ["Ungraded"] = "UG",
    ["Other"] = "Other",
}

-- Ed-Fi TermDescriptor code values and their OneRoster session types.
local term_types = {
    ["Fall Semester"] = "semester",
    ["Spring Semester"] = "semester",
    ["Summer Semester"] = "semester",
    ["First Trimester"] = "gradingPeriod",
    ["Second Trimester"] = "gradingPeriod",
    ["Third Trimester"] = "gradingPeriod",
    ["First Quarter"] = "gradingPeriod",
    ["Second Quarter"] = "gradingPeriod",
    ["Third Quarter"] = "gradingPeriod",
    ["Fourth Quarter"] = "gradingPeriod",
    ["Year Round"] = "schoolYear",
}

-- Ed-Fi SexDescriptor code values and their OneRoster 1.2 sex values. 1.1 has only male and female.
local sex_values = {
    ["Female"] = "female",
    ["Male"] = "male",
    ["Not Selected"] = "unspecified",
}

-- Ed-Fi ClassroomPositionDescriptor code values and whether the teacher is the primary one.
local primary_positions = {
    ["Teacher of Record"] = "true",
    ["Support Teacher"] = "false",
    ["Substitute Teacher"] = "false",
    ["Assistant Teacher"] = "false",
}

-- The built-in table and the descriptor type of each mapped field.
local descriptor_tables = {
    grade = { values = grade_codes, type = "GradeLevelDescriptor" },
    term = { values = term_types, type = "TermDescriptor" },
    sex = { values = sex_values, type = "SexDescriptor" },
    position = { values = primary_positions, type = "ClassroomPositionDescriptor" },
}

local function check_settings(settings)
    local problems = settings_library.problems("edfi")
    if not settings.base_url:match("^https?://") then
        problems:add("base_url '" .. settings.base_url .. "' must start with http:// or https://")
    end
    if not settings.token_url:match("^https?://") then
        problems:add("token_url '" .. settings.token_url .. "' must start with http:// or https://")
    end
    if settings.page_size < 1 or settings.page_size > 500 then
        problems:add("page_size '" .. settings.page_size .. "' must be from 1 to 500, the ODS API's usual maximum")
    end
    if settings.version ~= "1.1" and settings.version ~= "1.2" then
        problems:add("version '" .. tostring(settings.version) .. "' is not supported; expected 1.1 or 1.2")
    end
    problems:check_school_year(settings)
    problems:check_request(settings)
    problems:raise()
end

-- A connection to the ODS API: the settings and the current access token.
local Session = {}
Session.__index = Session

local function new_session(settings)
    local secret, err = rollbook.secrets.get("client_secret")
    if not secret then
        error("edfi: " .. err, 0)
    end
    return setmetatable({
        settings = settings,
        oauth = oauth2.session {
            name = "edfi", token_url = settings.token_url, client_id = settings.client_id, client_secret = secret,
            credentials = "body", timeout = settings.timeout, retries = settings.retries,
        },
    }, Session)
end

-- Sends a GET with the Bearer token, renewing the token once on a 401.
function Session:get(url)
    return self.oauth:get(url)
end

-- Resources whose key contains a school year, so that the school_year setting filters them.
local year_filtered = {
    sessions = true,
    courseOfferings = true,
    sections = true,
    studentSectionAssociations = true,
    staffSectionAssociations = true,
}

-- Reads every page of one resource and calls `visit` with each record; returns the record count.
-- With `optional`, a 404 reads as an empty resource, for resources that older ODS versions lack.
local function read_resource(session, resource, visit, optional)
    local settings = session.settings
    local limit = settings.page_size
    local base = settings.base_url:gsub("/+$", "") .. "/ed-fi/" .. resource
    local filter = ""
    if settings.school_year and year_filtered[resource] then
        filter = "&schoolYear=" .. settings.school_year
    end
    local count = 0
    for _ = 1, max_pages do
        local url = string.format("%s?limit=%d&offset=%d%s", base, limit, count, filter)
        local response = session:get(url)
        if response.status == 404 and optional then
            return count
        end
        if response.status ~= 200 then
            error(string.format("edfi: %s returned HTTP %d: %s", url, response.status, response.body:sub(1, 200)), 0)
        end
        local list, err = json.decode(response.body)
        if list == nil then
            error("edfi: the response from " .. url .. " is not valid JSON: " .. err, 0)
        end
        -- rollbook.json decodes [] and {} alike, so the body's first character distinguishes an array from an object.
        if type(list) ~= "table" or not response.body:match("^%s*%[") then
            error("edfi: the response from " .. url .. " is not a JSON array of " .. resource, 0)
        end
        for _, record in ipairs(list) do
            if type(record) ~= "table" then
                error("edfi: the response from " .. url .. " has a " .. resource
                    .. " entry that is not a JSON object", 0)
            end
            visit(record)
        end
        count = count + #list
        if #list < limit then
            return count
        end
    end
    error("edfi: " .. resource .. " needed more than " .. max_pages .. " pages; raise page_size", 0)
end

-- Converts an Ed-Fi identifier (often a JSON integer) to a string, or nil.
local function text(value)
    if math.type(value) == "integer" then
        return string.format("%d", value)
    elseif type(value) == "string" and value ~= "" then
        return value
    elseif type(value) == "number" then
        return tostring(value)
    end
    return nil
end

-- Returns the date part of an Ed-Fi date or date-time ("2010-08-23T00:00:00").
local function date(value)
    if type(value) ~= "string" then
        return nil
    end
    return value:match("^(%d%d%d%d%-%d%d%-%d%d)") or value
end

-- The descriptor mapper: built-in tables plus the district's descriptorMappings.
local Mapper = {}
Mapper.__index = Mapper

local function new_mapper(ctx)
    return setmetatable({ ctx = ctx, district = {} }, Mapper)
end

-- Stores one descriptorMappings record, keyed by its full source descriptor.
function Mapper:add_mapping(record)
    local namespace, value = text(record.namespace), text(record.value)
    local mapped = text(record.mappedValue)
    if namespace and value and mapped then
        self.district[namespace .. "#" .. value] = { namespace = text(record.mappedNamespace), value = mapped }
    end
end

-- Maps a descriptor of `field` for the record `id` of `resource`; returns the value or nil.
-- A bare code value is read in the ed-fi.org namespace with a warning; an unknown one is reported.
function Mapper:map(field, descriptor, resource, id)
    if type(descriptor) ~= "string" or descriptor == "" then
        return nil
    end
    local descriptor_table = descriptor_tables[field]
    local full = descriptor
    if not descriptor:find("#", 1, true) then
        full = edfi_namespace .. descriptor_table.type .. "#" .. descriptor
        self.ctx.report {
            severity = "warning",
            rule = "edfi-descriptor-namespace",
            file = resource,
            field = field,
            value = descriptor,
            sourcedId = id,
            message = string.format("%s '%s' of record '%s' has no namespace; read as '%s'",
                descriptor_table.type, descriptor, id, full),
        }
    end
    local namespace, code = full:match("^(.*)#([^#]*)$")
    local district = self.district[full]
    if district then
        -- A mapping to an ed-fi.org descriptor goes through the built-in table; any other target is
        -- taken as the OneRoster value itself.
        if district.namespace ~= edfi_namespace .. descriptor_table.type then
            return district.value
        end
        namespace, code = district.namespace, district.value
    end
    if namespace == edfi_namespace .. descriptor_table.type then
        local mapped = descriptor_table.values[code]
        if mapped then
            return mapped
        end
    end
    return nil, full
end

-- Reports a descriptor that maps to nothing.
function Mapper:report_unknown(field, full, resource, id, expected, severity)
    self.ctx.report {
        severity = severity or "warning",
        rule = "edfi-descriptor-unknown",
        file = resource,
        field = field,
        value = full,
        sourcedId = id,
        message = string.format("%s '%s' of record '%s' has no OneRoster value; %s", field, full, id, expected),
    }
end

-- Builds the lookup key of a session from a reference or a session record.
local function session_key(schoolId, schoolYear, sessionName)
    return string.format("%s|%s|%s", text(schoolId) or "", text(schoolYear) or "", text(sessionName) or "")
end

-- Builds the lookup key of a section from a sectionReference or a section record.
local function section_key(ref)
    return string.format("%s|%s|%s|%s|%s", text(ref.localCourseCode) or "", text(ref.schoolId) or "",
        text(ref.schoolYear) or "", text(ref.sessionName) or "", text(ref.sectionIdentifier) or "")
end

-- Returns the field of a nested reference table, or nil.
local function ref_field(record, ref_name, field)
    local ref = record[ref_name]
    return type(ref) == "table" and ref[field] or nil
end

-- Everything sync collects before it emits users: schools and grades per user, and section ids.
local function new_roster()
    return {
        sessions = {},      -- session key -> sourcedId
        offerings = {},     -- "localCourseCode|schoolId|schoolYear|sessionName" -> course sourcedId
        sections = {},      -- section key -> { id =, school = }
        student_orgs = {},  -- studentUniqueId -> { schoolId, ... }
        student_grades = {}, -- studentUniqueId -> CEDS grade
        student_sex = {},   -- studentUniqueId -> descriptor and association id
        staff_orgs = {},    -- staffUniqueId -> { schoolId, ... }
        seen_orgs = {},     -- "uniqueId|schoolId" -> true, so each org is listed once
    }
end

local function add_org(roster, map, unique_id, school)
    if not unique_id or not school then
        return
    end
    local seen = unique_id .. "|" .. school
    if roster.seen_orgs[seen] then
        return
    end
    roster.seen_orgs[seen] = true
    local list = map[unique_id]
    if not list then
        list = {}
        map[unique_id] = list
    end
    list[#list + 1] = school
end

local function read_orgs(ctx, session)
    read_resource(session, "localEducationAgencies", function(record)
        ctx.emit("orgs", {
            sourcedId = text(record.localEducationAgencyId),
            name = text(record.nameOfInstitution),
            type = "district",
            identifier = text(record.localEducationAgencyId),
        })
    end)
    read_resource(session, "schools", function(record)
        ctx.emit("orgs", {
            sourcedId = text(record.schoolId),
            name = text(record.nameOfInstitution),
            type = "school",
            identifier = text(record.schoolId),
            parentSourcedId = text(ref_field(record, "localEducationAgencyReference", "localEducationAgencyId")),
        })
    end)
end

local function read_sessions(ctx, session, roster, mapper)
    read_resource(session, "sessions", function(record)
        local id = text(record.id)
        local school = ref_field(record, "schoolReference", "schoolId")
        local year = ref_field(record, "schoolYearTypeReference", "schoolYear")
        local kind, full = mapper:map("term", record.termDescriptor, "sessions", id)
        if not kind and full then
            mapper:report_unknown("type", full, "sessions", id,
                "expected a TermDescriptor with a known session type, or a descriptorMappings entry for it", "error")
        end
        roster.sessions[session_key(school, year, record.sessionName)] = id
        ctx.emit("academicSessions", {
            sourcedId = id,
            title = text(record.sessionName),
            type = kind,
            startDate = date(record.beginDate),
            endDate = date(record.endDate),
            schoolYear = text(year),
        })
    end)
end

local function read_courses(ctx, session, roster)
    read_resource(session, "courseOfferings", function(record)
        local id = text(record.id)
        local school = text(ref_field(record, "schoolReference", "schoolId"))
        local year = ref_field(record, "sessionReference", "schoolYear")
        local name = ref_field(record, "sessionReference", "sessionName")
        local key = string.format("%s|%s", text(record.localCourseCode) or "", session_key(school, year, name))
        roster.offerings[key] = id
        ctx.emit("courses", {
            sourcedId = id,
            title = text(record.localCourseTitle) or text(record.localCourseCode),
            courseCode = text(record.localCourseCode),
            orgSourcedId = school,
        })
    end)
    read_resource(session, "sections", function(record)
        local id = text(record.id)
        local offering = record.courseOfferingReference or {}
        local school = text(offering.schoolId)
        local key = section_key {
            localCourseCode = offering.localCourseCode,
            schoolId = offering.schoolId,
            schoolYear = offering.schoolYear,
            sessionName = offering.sessionName,
            sectionIdentifier = text(record.sectionIdentifier),
        }
        roster.sections[key] = { id = id, school = school }
        local course_key = string.format("%s|%s", text(offering.localCourseCode) or "",
            session_key(offering.schoolId, offering.schoolYear, offering.sessionName))
        local periods = {}
        if type(record.classPeriods) == "table" then
            for _, period in ipairs(record.classPeriods) do
                periods[#periods + 1] = text(ref_field(period, "classPeriodReference", "classPeriodName"))
            end
        end
        ctx.emit("classes", {
            sourcedId = id,
            title = text(record.sectionName) or text(record.sectionIdentifier),
            classCode = text(record.sectionIdentifier),
            classType = "scheduled",
            courseSourcedId = roster.offerings[course_key] or course_key,
            schoolSourcedId = school,
            termSourcedIds = { roster.sessions[session_key(offering.schoolId, offering.schoolYear,
                offering.sessionName)] or offering.sessionName },
            location = text(ref_field(record, "locationReference", "classroomIdentificationCode")),
            periods = periods[1] and periods or nil,
        })
    end)
end

local function read_student_links(session, roster, mapper)
    read_resource(session, "studentSchoolAssociations", function(record)
        local id = text(record.id)
        local student = text(ref_field(record, "studentReference", "studentUniqueId"))
        local school = text(ref_field(record, "schoolReference", "schoolId"))
        add_org(roster, roster.student_orgs, student, school)
        local grade, full = mapper:map("grade", record.entryGradeLevelDescriptor, "studentSchoolAssociations", id)
        if grade then
            roster.student_grades[student] = grade
        elseif full then
            mapper:report_unknown("grades", full, "studentSchoolAssociations", id,
                "the grade is left blank; add a descriptorMappings entry to a GradeLevelDescriptor")
        end
    end)
    read_resource(session, "studentEducationOrganizationAssociations", function(record)
        local student = text(ref_field(record, "studentReference", "studentUniqueId"))
        if student and record.sexDescriptor then
            roster.student_sex[student] = { descriptor = record.sexDescriptor, id = text(record.id) }
        end
    end, true)
end

-- Emits one user in the binding of the configured version, and its 1.2 roles.
local function emit_user(ctx, user, role, orgs)
    if ctx.settings.version == "1.1" then
        user.role = role
        user.orgSourcedIds = orgs
        ctx.emit("users", user)
        return
    end
    user.primaryOrgSourcedId = orgs[1]
    ctx.emit("users", user)
    for _, org in ipairs(orgs) do
        ctx.emit("roles", {
            sourcedId = user.sourcedId .. ":" .. org .. ":" .. role,
            userSourcedId = user.sourcedId,
            roleType = org == orgs[1] and "primary" or "secondary",
            role = role,
            orgSourcedId = org,
        })
    end
end

local function read_students(ctx, session, roster, mapper)
    read_resource(session, "students", function(record)
        local unique_id = text(record.studentUniqueId)
        local sex_info = unique_id and roster.student_sex[unique_id]
        local sex = sex_info and mapper:map("sex", sex_info.descriptor, "studentEducationOrganizationAssociations",
            sex_info.id)
        if not sex and record.birthSexDescriptor then
            sex = mapper:map("sex", record.birthSexDescriptor, "students", unique_id)
        end
        if sex == "unspecified" and ctx.settings.version == "1.1" then
            sex = nil
        end
        local grade = unique_id and roster.student_grades[unique_id]
        emit_user(ctx, {
            sourcedId = unique_id,
            enabledUser = "true",
            username = text(record.loginId) or unique_id,
            givenName = text(record.firstName),
            familyName = text(record.lastSurname),
            middleName = text(record.middleName),
            identifier = unique_id,
            grades = grade and { grade } or nil,
        }, "student", unique_id and roster.student_orgs[unique_id] or {})
        ctx.emit("demographics", { sourcedId = unique_id, birthDate = date(record.birthDate), sex = sex })
    end)
end

-- Returns the first electronic mail address of a staff record, or nil.
local function first_email(record)
    local mails = record.electronicMails
    if type(mails) == "table" and type(mails[1]) == "table" then
        return text(mails[1].electronicMailAddress)
    end
    return nil
end

local function read_enrollments(ctx, session, roster, mapper)
    read_resource(session, "staffSectionAssociations", function(record)
        local id = text(record.id)
        local ref = record.sectionReference or {}
        local staff = text(ref_field(record, "staffReference", "staffUniqueId"))
        local section = roster.sections[section_key(ref)]
        add_org(roster, roster.staff_orgs, staff, text(ref.schoolId))
        local primary, full = mapper:map("position", record.classroomPositionDescriptor, "staffSectionAssociations", id)
        if not primary and full then
            mapper:report_unknown("primary", full, "staffSectionAssociations", id,
                "the teacher is stored with primary blank; add a descriptorMappings entry to a "
                    .. "ClassroomPositionDescriptor")
        end
        ctx.emit("enrollments", {
            sourcedId = id,
            classSourcedId = section and section.id or ref.sectionIdentifier,
            schoolSourcedId = text(ref.schoolId),
            userSourcedId = staff,
            role = "teacher",
            primary = primary,
            beginDate = date(record.beginDate),
            endDate = date(record.endDate),
        })
    end)
    read_resource(session, "studentSectionAssociations", function(record)
        local ref = record.sectionReference or {}
        local section = roster.sections[section_key(ref)]
        ctx.emit("enrollments", {
            sourcedId = text(record.id),
            classSourcedId = section and section.id or ref.sectionIdentifier,
            schoolSourcedId = text(ref.schoolId),
            userSourcedId = text(ref_field(record, "studentReference", "studentUniqueId")),
            role = "student",
            beginDate = date(record.beginDate),
            endDate = date(record.endDate),
        })
    end)
end

-- NOTE: every staff member becomes a teacher, and their schools come only from their sections,
-- because staff assignments are not read. In 1.1 a staff member without sections is rejected for
-- lacking orgSourcedIds.
local function read_staffs(ctx, session, roster)
    read_resource(session, "staffs", function(record)
        local unique_id = text(record.staffUniqueId)
        emit_user(ctx, {
            sourcedId = unique_id,
            enabledUser = "true",
            username = text(record.loginId) or unique_id,
            givenName = text(record.firstName),
            familyName = text(record.lastSurname),
            middleName = text(record.middleName),
            identifier = unique_id,
            email = first_email(record),
        }, "teacher", unique_id and roster.staff_orgs[unique_id] or {})
    end)
end

return {
    name = "edfi",
    version = "1.0.0",
    description = "Ed-Fi ODS API v3 resources, read with OAuth 2.0 client credentials and mapped to OneRoster",

    settings = settings_library.with_request_settings({
        base_url = {
            type = "string",
            required = true,
            description = "ODS API data root, such as https://ods.example.org/data/v3; resources are read from "
                .. "<base_url>/ed-fi/<resource>",
        },
        client_id = { type = "string", required = true, description = "OAuth 2.0 client id (the API key)" },
        client_secret = { type = "string", required = true, secret = true, description = "OAuth 2.0 client secret" },
        token_url = { type = "string", required = true, description = "OAuth 2.0 token endpoint, such as "
            .. "https://ods.example.org/oauth/token" },
        page_size = { type = "integer", default = 100, description = "Records per request (the limit), 1 to 500" },
        school_year = { type = "integer", description = "School year (the year it ends) to read sessions, "
            .. "course offerings, sections and section associations of; default all" },
        version = { type = "string", default = "1.2", description = "OneRoster version to produce: 1.1 or 1.2" },
    }),

    check = function(ctx)
        check_settings(ctx.settings)
        local session = new_session(ctx.settings)
        session.oauth:authenticate()
        local url = ctx.settings.base_url:gsub("/+$", "") .. "/ed-fi/schools?limit=1&offset=0"
        local response = session:get(url)
        if response.status ~= 200 then
            return nil, string.format("%s returned HTTP %d", url, response.status)
        end
        return true
    end,

    sync = function(ctx)
        check_settings(ctx.settings)
        local session = new_session(ctx.settings)
        local mapper = new_mapper(ctx)
        local roster = new_roster()
        -- NOTE: everything is read before sync returns, and the host stores nothing when sync raises,
        -- so a failed page leaves the stored snapshot as it was.
        read_resource(session, "descriptorMappings", function(record)
            mapper:add_mapping(record)
        end, true)
        read_orgs(ctx, session)
        read_sessions(ctx, session, roster, mapper)
        read_courses(ctx, session, roster)
        read_student_links(session, roster, mapper)
        read_enrollments(ctx, session, roster, mapper)
        read_students(ctx, session, roster, mapper)
        read_staffs(ctx, session, roster)
    end,
}
