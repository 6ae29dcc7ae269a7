-- Reads a Microsoft School Data Sync (SDS) CSV export in one of three formats.
-- v1 has School, Section, Student, Teacher, StudentEnrollment and TeacherRoster files, with
-- US or UK column names. v2 has orgs, users, classes and enrollments. v2.1 adds
-- academicSessions, roles, courses, demographics, relationships and userFlags.
--
-- SDS files are not OneRoster files, so each row is mapped in Lua and handed over with
-- ctx.emit. A row that cannot be mapped (a date that is not a date in the configured order,
-- an unknown school, student or section) is left out and reported with ctx.report, naming
-- the file, the row (the header is row 1), the column and the value. A whole-file problem,
-- such as a missing file or column or a column named twice, raises, so nothing is stored.
--
-- NOTE: every row goes through Lua, at a few microseconds per record; SDS exports are
-- school-sized, but a district of millions of enrollments would want a native path.

local csv = rollbook.csv

-- Column names per field, SDS spelling first and the UK spelling after it.
local ID = { "SIS ID", "ID" }
local SCHOOL_ID = { "School SIS ID", "School DfE Number" }
local SECTION_ID = { "Section SIS ID", "Section ID" }
local SCHOOL_FILE_ID = { "SIS ID", "DfE Number" }

-- Columns read into OneRoster fields; the other columns of a file go to metadata, except passwords.
local MAPPED = {
    ["School.csv"] = { "SIS ID", "DfE Number", "Name", "School Number" },
    ["Section.csv"] = {
        "SIS ID", "ID", "School SIS ID", "School DfE Number", "Section Name", "Section Number", "Term SIS ID",
        "Term Name", "Term StartDate", "Term EndDate", "Course SIS ID", "Course Name", "Course Number",
        "Course Description", "Course Subject", "Periods",
    },
    ["Student.csv"] = {
        "SIS ID", "ID", "School SIS ID", "School DfE Number", "Username", "First Name", "Last Name", "Middle Name",
        "Grade", "Student Number", "Birthdate", "Status",
    },
    ["Teacher.csv"] = {
        "SIS ID", "ID", "School SIS ID", "School DfE Number", "Username", "First Name", "Last Name", "Middle Name",
        "Teacher Number", "Status",
    },
}
local NEVER_KEPT = { Password = true, password = true }

-- The OneRoster entity each file's rows become, so a rejected row counts as a rejected record of it.
-- userFlags.csv and relationships.csv rows only add to a user, so a rejected one is a finding only.
local FILE_ENTITY = {
    ["School.csv"] = "orgs", ["Section.csv"] = "classes", ["Student.csv"] = "users", ["Teacher.csv"] = "users",
    ["StudentEnrollment.csv"] = "enrollments", ["TeacherRoster.csv"] = "enrollments",
    ["orgs.csv"] = "orgs", ["academicSessions.csv"] = "academicSessions", ["courses.csv"] = "courses",
    ["classes.csv"] = "classes", ["users.csv"] = "users", ["roles.csv"] = "roles",
    ["enrollments.csv"] = "enrollments", ["demographics.csv"] = "demographics",
}

local ORG_TYPES = { school = "school", district = "district", ["local"] = "local", state = "state",
    national = "national", department = "department" }
local SESSION_TYPES = { schoolyear = "schoolYear", semester = "semester", term = "term",
    gradingperiod = "gradingPeriod" }
-- SDS staff roles that teach a class.
local TEACHING_ROLES = { teacher = true, professor = true, lecturer = true, faculty = true, instructor = true }
-- SDS roles with a OneRoster 1.2 role of their own (SDS writes enums in any letter case).
local ROLES_V1P2 = { student = "student", aide = "aide", counselor = "counselor", guardian = "guardian",
    parent = "parent", principal = "principal", proctor = "proctor", relative = "relative",
    districtadministrator = "districtAdministrator", siteadministrator = "siteAdministrator",
    systemadministrator = "systemAdministrator" }
local ROLES_V1P1 = { student = "student", aide = "aide", guardian = "guardian", parent = "parent",
    proctor = "proctor", relative = "relative", administrator = "administrator",
    districtadministrator = "administrator", siteadministrator = "administrator",
    systemadministrator = "administrator", principal = "administrator" }
local RACES = { americanindianoralaskanative = "americanIndianOrAlaskaNative", asian = "asian",
    blackorafricanamerican = "blackOrAfricanAmerican",
    nativehawaiianorotherpacificislander = "nativeHawaiianOrOtherPacificIslander", white = "white",
    demographicracetwoormoreraces = "demographicRaceTwoOrMoreRaces" }

---------------------------------------------------------------------------------------------
-- Small helpers

local function trim(text)
    if text == nil then return "" end
    return (text:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Returns the trimmed value of the first of `names` that the row has.
local function field(row, names)
    if type(names) == "string" then return trim(row[names]) end
    for _, name in ipairs(names) do
        if row[name] ~= nil then return trim(row[name]) end
    end
    return ""
end

-- Returns the first of `names` that the row has, so messages use the file's own column name.
local function column_name(row, names)
    for _, name in ipairs(names) do
        if row[name] ~= nil then return name end
    end
    return names[1]
end

local function split_list(text)
    local items = {}
    for item in text:gmatch("[^,]+") do
        local value = trim(item)
        if value ~= "" then items[#items + 1] = value end
    end
    return items
end

-- Returns "ext:" and the value in camel case, the OneRoster form of a value outside a vocabulary.
local function extension_value(text)
    local words = {}
    for word in text:gmatch("[%w]+") do words[#words + 1] = word end
    if #words == 0 then return nil end
    local result = words[1]:sub(1, 1):lower() .. words[1]:sub(2)
    for i = 2, #words do
        result = result .. words[i]:sub(1, 1):upper() .. words[i]:sub(2)
    end
    return "ext:" .. result
end

-- Returns a column name as a camel-case metadata key, as `stateId` for "State ID".
local function metadata_key(column)
    local value = extension_value(column)
    return value and value:sub(5) or column
end

-- Returns the CEDS grade code for an SDS grade: 1 to 13 get two digits and K becomes KG;
-- other values pass unchanged, so the validator can report them.
local function grade_code(text)
    if text == "" then return nil end
    local number = tonumber(text)
    if number and number == math.floor(number) and number >= 1 and number <= 13 then
        return string.format("%02d", number)
    end
    local upper = text:upper()
    if upper == "K" or upper == "KG" or upper == "0" or upper == "00" then return "KG" end
    if upper == "PK" or upper == "PRE-K" then return "PK" end
    return text
end

local function is_leap(year)
    return (year % 4 == 0 and year % 100 ~= 0) or year % 400 == 0
end

local DAYS_IN_MONTH = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- Returns the date as YYYY-MM-DD when year, month and day make a real calendar date.
local function calendar_date(year, month, day)
    if month < 1 or month > 12 or day < 1 then return nil end
    local last = DAYS_IN_MONTH[month]
    if month == 2 and is_leap(year) then last = 29 end
    if day > last then return nil end
    return string.format("%04d-%02d-%02d", year, month, day)
end

-- Parses YYYY-MM-DD (a time after it is ignored) or a slashed date in `order` ("mdy" or "dmy").
-- Returns nil for anything else: a day and month are never swapped to make a date fit.
local function parse_date(text, order)
    local year, month, day = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
    if not year then year, month, day = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T") end
    if year then return calendar_date(tonumber(year), tonumber(month), tonumber(day)) end
    local first, second, full_year = text:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
    if not first then return nil end
    if order == "dmy" then
        return calendar_date(tonumber(full_year), tonumber(second), tonumber(first))
    end
    return calendar_date(tonumber(full_year), tonumber(first), tonumber(second))
end

local ORDER_TEXT = { mdy = "M/D/YYYY", dmy = "D/M/YYYY" }

-- Returns the OneRoster schoolYear (the year the school year ends in) of a term: the
-- school_year setting when given, else the start year, plus one for a start from July on.
-- NOTE: the July boundary is a guess that fits northern-hemisphere calendars; set school_year
-- for a district whose school year follows the calendar year.
local function term_school_year(setting, start_date)
    if setting then return tostring(setting) end
    local year, month = tonumber(start_date:sub(1, 4)), tonumber(start_date:sub(6, 7))
    return tostring(month >= 7 and year + 1 or year)
end

---------------------------------------------------------------------------------------------
-- Reading files

-- Opens a CSV file of the export, or returns nil when an optional file is absent.
-- Raises when a required file is absent or a file cannot be read, as with a repeated header column.
local function open(folder, name, required)
    local rows, err = csv.rows(folder .. "/" .. name)
    if rows then return rows end
    -- NOTE: an absent file is recognised by the wording of the host's message, as the host API has no file test.
    if not required and err:find("No such file", 1, true) then return nil end
    if required and err:find("No such file", 1, true) then
        error(name .. " is missing in '" .. folder .. "'; an SDS export of this format needs it", 0)
    end
    error(err, 0)
end

local function file_exists(folder, name)
    return csv.rows(folder .. "/" .. name) ~= nil
end

-- Raises when the first data row shows that the file has none of a required column's names.
local function require_columns(row, file, columns)
    for _, names in ipairs(columns) do
        local list = type(names) == "string" and { names } or names
        local present = false
        for _, name in ipairs(list) do
            if row[name] ~= nil then present = true end
        end
        if not present then
            error(file .. " has no column '" .. list[1] .. "'; SDS needs it in this file", 0)
        end
    end
end

-- Returns the columns of a row that no OneRoster field takes, as metadata; passwords are left out.
local function extra_metadata(row, file)
    local mapped = MAPPED[file] or {}
    local skip = {}
    for _, name in ipairs(mapped) do skip[name] = true end
    local metadata = nil
    for name, value in pairs(row) do
        if not skip[name] and not NEVER_KEPT[name] and name ~= "" then
            local text = trim(value)
            if text ~= "" then
                metadata = metadata or {}
                metadata["sds." .. metadata_key(name)] = text
            end
        end
    end
    return metadata
end

---------------------------------------------------------------------------------------------
-- The run: shared state and reporting

-- Creates the state of one sync: the context, the settings and the ids accepted so far.
local function new_run(ctx)
    local run = {
        ctx = ctx,
        folder = ctx.settings.path,
        order = ctx.settings.date_order,
        school_year = ctx.settings.school_year,
        rejected = 0,
    }

    -- Reports a rejected source row; the row is not emitted, and it counts as a rejected record of
    -- its file's entity. `sourced_id`, when known, keeps the stored record of that id.
    function run.reject(file, row, rule, column, value, sourced_id, message)
        run.rejected = run.rejected + 1
        ctx.report {
            rule = rule, entity = FILE_ENTITY[file], file = file, row = row, field = column, value = value,
            sourcedId = sourced_id, message = message,
        }
    end

    -- Reports a finding about a row that is still emitted.
    function run.warn(file, row, rule, column, value, sourced_id, message)
        ctx.report {
            severity = "warning", rule = rule, file = file, row = row, field = column, value = value,
            sourcedId = sourced_id, message = message,
        }
    end

    -- Returns the ISO form of a date cell, or nil after rejecting the row.
    function run.date(file, row, column, value, sourced_id, what)
        local iso = parse_date(value, run.order)
        if iso then return iso end
        run.reject(file, row, "field.date", column, value, sourced_id,
            "column '" .. column .. "' is '" .. value .. "', which is not a real date written "
            .. ORDER_TEXT[run.order] .. " (date_order = \"" .. run.order .. "\") or YYYY-MM-DD; the " .. what
            .. " is rejected. If the file writes dates in the other order, set date_order to match it")
        return nil
    end

    -- Returns the sourcedId of the school-year session made from the school_year setting,
    -- emitting it the first time; raises when the setting is absent.
    function run.default_session(file, row)
        local year = run.school_year
        if not year then
            error(file .. ":" .. row .. ": the row names no term or session, and the setting school_year is "
                .. "not set; set school_year to the year the school year ends in, such as 2026", 0)
        end
        local id = "sds-sy-" .. year
        if not run.default_session_emitted then
            run.default_session_emitted = true
            -- NOTE: SDS gives no dates for this session, so it spans 1 July to 30 June, a common
            -- school-year boundary that may not match the district's calendar.
            ctx.emit("academicSessions", {
                sourcedId = id, title = (year - 1) .. "-" .. year, type = "schoolYear",
                startDate = string.format("%04d-07-01", year - 1), endDate = string.format("%04d-06-30", year),
                schoolYear = tostring(year),
            })
        end
        return id
    end

    return run
end

-- Records `id` as used at file:row and returns true; a repeated id is reported as a rejected row.
local function first_use(run, seen, file, row, column, id)
    if seen[id] then
        run.reject(file, row, "id.duplicate", column, id, id,
            "'" .. id .. "' is used again (first at " .. seen[id] .. "); the later row is rejected")
        return false
    end
    seen[id] = file .. ":" .. row
    return true
end

---------------------------------------------------------------------------------------------
-- SDS v1

local function v1_schools(run)
    local ctx = run.ctx
    local district = ctx.settings.district_id
    ctx.emit("orgs", { sourcedId = district, name = ctx.settings.district_name, type = "district" })
    local schools = {}
    local checked = false
    for row, number in open(run.folder, "School.csv", true) do
        if not checked then
            require_columns(row, "School.csv", { SCHOOL_FILE_ID, "Name" })
            checked = true
        end
        local id = field(row, SCHOOL_FILE_ID)
        local name = field(row, "Name")
        if id == "" then
            run.reject("School.csv", number, "field.required", column_name(row, SCHOOL_FILE_ID), "", nil,
                "column '" .. column_name(row, SCHOOL_FILE_ID) .. "' is blank; every school needs its id")
        elseif name == "" then
            run.reject("School.csv", number, "field.required", "Name", "", id,
                "column 'Name' is blank; every school needs a name")
        elseif first_use(run, schools, "School.csv", number, column_name(row, SCHOOL_FILE_ID), id) then
            local number_value = field(row, "School Number")
            ctx.emit("orgs", {
                sourcedId = id, name = name, type = "school", parentSourcedId = district,
                identifier = number_value ~= "" and number_value or nil,
                metadata = extra_metadata(row, "School.csv"),
            })
        end
    end
    return schools
end

-- Returns the term of a section row, emitting it the first time its id appears; nil when rejected.
local function v1_term(run, row, number, section_id, terms)
    local term_id = field(row, "Term SIS ID")
    local start_text = field(row, "Term StartDate")
    local end_text = field(row, "Term EndDate")
    if term_id == "" and start_text == "" and end_text == "" then
        return run.default_session("Section.csv", number)
    end
    if term_id == "" then
        run.reject("Section.csv", number, "field.required", "Term SIS ID", "", section_id,
            "the section has term dates but column 'Term SIS ID' is blank; give the term an id")
        return nil
    end
    local start_date = run.date("Section.csv", number, "Term StartDate", start_text, section_id, "section")
    if not start_date then return nil end
    local end_date = run.date("Section.csv", number, "Term EndDate", end_text, section_id, "section")
    if not end_date then return nil end
    if end_date < start_date then
        run.reject("Section.csv", number, "field.date", "Term EndDate", end_text, section_id,
            "the term ends (" .. end_date .. ") before it starts (" .. start_date .. "); check date_order "
            .. "and the term dates")
        return nil
    end
    local known = terms[term_id]
    if not known then
        local name = field(row, "Term Name")
        run.ctx.emit("academicSessions", {
            sourcedId = term_id, title = name ~= "" and name or term_id, type = "term",
            startDate = start_date, endDate = end_date, schoolYear = term_school_year(run.school_year, start_date),
        })
        terms[term_id] = { start_date = start_date, end_date = end_date, row = number }
    elseif known.start_date ~= start_date or known.end_date ~= end_date then
        run.warn("Section.csv", number, "term.conflict", "Term SIS ID", term_id, section_id,
            "term '" .. term_id .. "' has other dates here than at row " .. known.row
            .. "; the dates of row " .. known.row .. " are kept")
    end
    return term_id
end

-- Returns the course of a section row, emitting it the first time; sections without course
-- columns get a course of their own, named after the section.
local function v1_course(run, row, section_id, school, title, courses)
    local course_id = field(row, "Course SIS ID")
    local course
    if course_id == "" then
        course = {
            sourcedId = "sds-course-" .. section_id, title = title, orgSourcedId = school,
            metadata = { ["sds.derivedFromSection"] = section_id },
        }
    elseif courses[course_id] then
        return course_id
    else
        local name = field(row, "Course Name")
        local code = field(row, "Course Number")
        local subject = field(row, "Course Subject")
        local description = field(row, "Course Description")
        course = {
            sourcedId = course_id, title = name ~= "" and name or title, orgSourcedId = school,
            courseCode = code ~= "" and code or nil, subjects = subject ~= "" and { subject } or nil,
            metadata = description ~= "" and { ["sds.description"] = description } or nil,
        }
    end
    courses[course.sourcedId] = true
    run.ctx.emit("courses", course)
    return course.sourcedId
end

local function v1_sections(run, schools)
    local sections = {}
    local seen = {}
    local terms, courses = {}, {}
    local checked = false
    for row, number in open(run.folder, "Section.csv", true) do
        if not checked then
            require_columns(row, "Section.csv", { ID, SCHOOL_ID, "Section Name" })
            checked = true
        end
        local id = field(row, ID)
        local school = field(row, SCHOOL_ID)
        local title = field(row, "Section Name")
        if id == "" then
            run.reject("Section.csv", number, "field.required", column_name(row, ID), "", nil,
                "column '" .. column_name(row, ID) .. "' is blank; every section needs its id")
        elseif not schools[school] then
            run.reject("Section.csv", number, "ref.missing", column_name(row, SCHOOL_ID), school, id,
                column_name(row, SCHOOL_ID) .. " '" .. school .. "' is not in School.csv; the section is rejected")
        elseif title == "" then
            run.reject("Section.csv", number, "field.required", "Section Name", "", id,
                "column 'Section Name' is blank; every section needs a name")
        elseif first_use(run, seen, "Section.csv", number, column_name(row, ID), id) then
            local term = v1_term(run, row, number, id, terms)
            if term then
                local course = v1_course(run, row, id, school, title, courses)
                local code = field(row, "Section Number")
                local periods = field(row, "Periods")
                local subject = field(row, "Course Subject")
                run.ctx.emit("classes", {
                    sourcedId = id, title = title, classType = "scheduled", schoolSourcedId = school,
                    courseSourcedId = course, termSourcedIds = { term }, classCode = code ~= "" and code or nil,
                    periods = periods ~= "" and split_list(periods) or nil,
                    subjects = subject ~= "" and { subject } or nil,
                    metadata = extra_metadata(row, "Section.csv"),
                })
                sections[id] = school
            end
        end
    end
    return sections
end

-- Reads Student.csv or Teacher.csv into users of `role`; returns the accepted ids.
local function v1_people(run, file, role, schools, users)
    local accepted = {}
    local checked = false
    local name_note = false
    for row, number in open(run.folder, file, true) do
        if not checked then
            require_columns(row, file, { ID, SCHOOL_ID, "Username" })
            checked = true
        end
        local id = field(row, ID)
        local school = field(row, SCHOOL_ID)
        local username = field(row, "Username")
        if id == "" then
            run.reject(file, number, "field.required", column_name(row, ID), "", nil,
                "column '" .. column_name(row, ID) .. "' is blank; every " .. role .. " needs its id")
        elseif not schools[school] then
            run.reject(file, number, "ref.missing", column_name(row, SCHOOL_ID), school, id,
                column_name(row, SCHOOL_ID) .. " '" .. school .. "' is not in School.csv; the " .. role
                .. " is rejected")
        elseif username == "" then
            run.reject(file, number, "field.required", "Username", "", id,
                "column 'Username' is blank; every " .. role .. " needs a username")
        elseif first_use(run, users, file, number, column_name(row, ID), id) then
            local given = field(row, "First Name")
            local family = field(row, "Last Name")
            local metadata = extra_metadata(row, file)
            if row["First Name"] == nil and row["Last Name"] == nil then
                -- SDS's minimum profile has no name columns, but OneRoster requires both names.
                given, family = username, username
                if not name_note then
                    name_note = true
                    run.ctx.report {
                        severity = "info", rule = "sds.name-from-username", file = file,
                        message = file .. " has no 'First Name' or 'Last Name' column, so givenName and "
                            .. "familyName are set to the Username",
                    }
                end
            end
            local status = field(row, "Status"):lower()
            local local_number = field(row, role == "student" and "Student Number" or "Teacher Number")
            local middle = field(row, "Middle Name")
            local grade = grade_code(field(row, "Grade"))
            run.ctx.emit("users", {
                sourcedId = id, enabledUser = status ~= "inactive", orgSourcedIds = { school }, role = role,
                username = username, givenName = given, familyName = family,
                middleName = middle ~= "" and middle or nil,
                identifier = local_number ~= "" and local_number or nil,
                grades = grade and { grade } or nil, metadata = metadata,
            })
            accepted[id] = true
            local birth_text = field(row, "Birthdate")
            if birth_text ~= "" then
                local birth = parse_date(birth_text, run.order)
                if birth then
                    run.ctx.emit("demographics", { sourcedId = id, birthDate = birth })
                else
                    run.warn(file, number, "field.date", "Birthdate", birth_text, id,
                        "column 'Birthdate' is '" .. birth_text .. "', which is not a real date written "
                        .. ORDER_TEXT[run.order] .. " or YYYY-MM-DD; the " .. role
                        .. " is kept without a birth date. Check date_order")
                end
            end
        end
    end
    return accepted
end

-- Reads StudentEnrollment.csv or TeacherRoster.csv into enrollments of `role`.
local function v1_enrollments(run, file, role, people_file, sections, people, seen)
    local checked = false
    for row, number in open(run.folder, file, true) do
        if not checked then
            require_columns(row, file, { SECTION_ID, ID })
            checked = true
        end
        local section = field(row, SECTION_ID)
        local person = field(row, ID)
        local school = sections[section]
        if not school then
            run.reject(file, number, "ref.missing", column_name(row, SECTION_ID), section, section .. ":" .. person,
                column_name(row, SECTION_ID) .. " '" .. section .. "' is not an accepted section of Section.csv; "
                .. "the enrollment is rejected")
        elseif not people[person] then
            run.reject(file, number, "ref.missing", column_name(row, ID), person, section .. ":" .. person,
                column_name(row, ID) .. " '" .. person .. "' is not an accepted " .. role .. " of " .. people_file
                .. "; the enrollment is rejected")
        elseif seen[section .. ":" .. person] then
            run.reject(file, number, "id.duplicate", column_name(row, ID), person, section .. ":" .. person,
                role .. " '" .. person .. "' is enrolled in section '" .. section .. "' again (first at "
                .. seen[section .. ":" .. person] .. "); the later row is rejected")
        else
            local id = section .. ":" .. person
            seen[id] = file .. ":" .. number
            do
                run.ctx.emit("enrollments", {
                    sourcedId = id, classSourcedId = section, schoolSourcedId = school, userSourcedId = person,
                    role = role,
                })
            end
        end
    end
end

local function sync_v1(run)
    local schools = v1_schools(run)
    local sections = v1_sections(run, schools)
    local users = {}
    local students = v1_people(run, "Student.csv", "student", schools, users)
    local teachers = v1_people(run, "Teacher.csv", "teacher", schools, users)
    local enrollments = {}
    v1_enrollments(run, "StudentEnrollment.csv", "student", "Student.csv", sections, students, enrollments)
    v1_enrollments(run, "TeacherRoster.csv", "teacher", "Teacher.csv", sections, teachers, enrollments)
end

---------------------------------------------------------------------------------------------
-- SDS v2 and v2.1

-- Reads a whole optional or required file into a list of { row =, number = }.
local function read_all(run, name, required, columns)
    local rows = open(run.folder, name, required)
    local list = {}
    if not rows then return list end
    for row, number in rows do
        if #list == 0 and columns then require_columns(row, name, columns) end
        list[#list + 1] = { row = row, number = number }
    end
    return list
end

-- Returns the OneRoster value of an SDS enum in `known` (keys lower case), or its ext: form.
local function enum_value(text, known)
    return known[text:lower()] or extension_value(text)
end

-- Returns the role of an SDS user role: 1.2 roles when `v1p2`, 1.1 roles otherwise.
local function user_role(text, v1p2)
    local lower = text:lower()
    if TEACHING_ROLES[lower] then return "teacher" end
    local known = v1p2 and ROLES_V1P2 or ROLES_V1P1
    return known[lower] or extension_value(text)
end

-- Returns the enrollment role of an SDS role: student, teacher, administrator, proctor or an ext: value.
local function enrollment_role(text)
    local lower = text:lower()
    if TEACHING_ROLES[lower] then return "teacher" end
    if lower == "student" or lower == "proctor" or lower == "administrator" then return lower end
    return extension_value(text)
end

-- Keeps the SDS spelling of an enum in metadata when the OneRoster value differs from it.
local function keep_original(metadata, key, original, mapped)
    if original ~= mapped then
        metadata = metadata or {}
        metadata["sds." .. key] = original
    end
    return metadata
end

local function v2_orgs(run)
    local orgs = {}
    local seen = {}
    for _, item in ipairs(read_all(run, "orgs.csv", true, { "sourcedId", "name", "type" })) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        local type_text = field(row, "type")
        local org_type = enum_value(type_text, ORG_TYPES)
        if id == "" then
            run.reject("orgs.csv", number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every org needs one")
        elseif not org_type then
            run.reject("orgs.csv", number, "field.required", "type", type_text, id,
                "column 'type' is blank; give the org type, such as school or district")
        elseif first_use(run, seen, "orgs.csv", number, "sourcedId", id) then
            local parent = field(row, "parentSourcedId")
            run.ctx.emit("orgs", {
                sourcedId = id, name = field(row, "name"), type = org_type,
                parentSourcedId = parent ~= "" and parent or nil,
                metadata = keep_original(nil, "type", type_text, org_type),
            })
            orgs[id] = true
        end
    end
    return orgs
end

local function v2_sessions(run)
    local sessions = {}
    local seen = {}
    local file = "academicSessions.csv"
    for _, item in ipairs(read_all(run, file, false, { "sourcedId", "startDate", "endDate" })) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        if id ~= "" and first_use(run, seen, file, number, "sourcedId", id) then
            local start_date = run.date(file, number, "startDate", field(row, "startDate"), id, "session")
            local end_date = start_date and run.date(file, number, "endDate", field(row, "endDate"), id, "session")
            if end_date then
                local type_text = field(row, "type")
                local session_type = enum_value(type_text, SESSION_TYPES) or "term"
                local year = field(row, "schoolYear")
                run.ctx.emit("academicSessions", {
                    sourcedId = id, title = field(row, "title"), type = session_type, startDate = start_date,
                    endDate = end_date, schoolYear = year ~= "" and year or term_school_year(run.school_year, start_date),
                    metadata = keep_original(nil, "type", type_text, session_type),
                })
                sessions[id] = true
            end
        elseif id == "" then
            run.reject(file, number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every session needs one")
        end
    end
    return sessions
end

local function v2_courses(run, orgs)
    local courses = {}
    local seen = {}
    local file = "courses.csv"
    for _, item in ipairs(read_all(run, file, false, { "sourcedId", "orgSourcedId", "title" })) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        local org = field(row, "orgSourcedId")
        if id == "" then
            run.reject(file, number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every course needs one")
        elseif not orgs[org] then
            run.reject(file, number, "ref.missing", "orgSourcedId", org, id,
                "orgSourcedId '" .. org .. "' is not an accepted org of orgs.csv; the course is rejected")
        elseif first_use(run, seen, file, number, "sourcedId", id) then
            local code = field(row, "code")
            local subject = field(row, "subject")
            local grade = grade_code(field(row, "grade"))
            local year = field(row, "schoolYearSourcedId")
            run.ctx.emit("courses", {
                sourcedId = id, title = field(row, "title"), orgSourcedId = org,
                courseCode = code ~= "" and code or nil, subjects = subject ~= "" and { subject } or nil,
                grades = grade and { grade } or nil, schoolYearSourcedId = year ~= "" and year or nil,
            })
            courses[id] = true
        end
    end
    return courses
end

local function v2_classes(run, orgs, courses, sessions)
    local classes = {}
    local seen = {}
    local file = "classes.csv"
    for _, item in ipairs(read_all(run, file, false, { "sourcedId", "orgSourcedId", "title" })) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        local org = field(row, "orgSourcedId")
        local course = field(row, "courseSourcedId")
        local terms = split_list(field(row, "sessionSourcedIds"))
        local missing_term = nil
        for _, term in ipairs(terms) do
            if not sessions[term] then missing_term = term end
        end
        if id == "" then
            run.reject(file, number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every class needs one")
        elseif not orgs[org] then
            run.reject(file, number, "ref.missing", "orgSourcedId", org, id,
                "orgSourcedId '" .. org .. "' is not an accepted org of orgs.csv; the class is rejected")
        elseif course ~= "" and not courses[course] then
            run.reject(file, number, "ref.missing", "courseSourcedId", course, id,
                "courseSourcedId '" .. course .. "' is not an accepted course of courses.csv; the class is rejected")
        elseif missing_term then
            run.reject(file, number, "ref.missing", "sessionSourcedIds", missing_term, id,
                "session '" .. missing_term .. "' is not an accepted session of academicSessions.csv; the class "
                .. "is rejected")
        elseif first_use(run, seen, file, number, "sourcedId", id) then
            local title = field(row, "title")
            if course == "" then
                course = "sds-course-" .. id
                run.ctx.emit("courses", {
                    sourcedId = course, title = title, orgSourcedId = org,
                    metadata = { ["sds.derivedFromClass"] = id },
                })
            end
            if #terms == 0 then terms = { run.default_session(file, number) } end
            run.ctx.emit("classes", {
                sourcedId = id, title = title, classType = "scheduled", schoolSourcedId = org,
                courseSourcedId = course, termSourcedIds = terms,
            })
            classes[id] = org
        end
    end
    return classes
end

local function v2_enrollments(run, classes, users)
    local seen = {}
    local file = "enrollments.csv"
    for _, item in ipairs(read_all(run, file, false, { "classSourcedId", "userSourcedId", "role" })) do
        local row, number = item.row, item.number
        local class = field(row, "classSourcedId")
        local user = field(row, "userSourcedId")
        local role_text = field(row, "role")
        if not classes[class] then
            run.reject(file, number, "ref.missing", "classSourcedId", class, class .. ":" .. user,
                "classSourcedId '" .. class .. "' is not an accepted class of classes.csv; the enrollment is rejected")
        elseif not users[user] then
            run.reject(file, number, "ref.missing", "userSourcedId", user, class .. ":" .. user,
                "userSourcedId '" .. user .. "' is not an accepted user of users.csv; the enrollment is rejected")
        elseif role_text == "" then
            run.reject(file, number, "field.required", "role", "", class .. ":" .. user,
                "column 'role' is blank; give the role, such as student or teacher")
        else
            local id = class .. ":" .. user
            if first_use(run, seen, file, number, "classSourcedId", id) then
                local role = enrollment_role(role_text)
                run.ctx.emit("enrollments", {
                    sourcedId = id, classSourcedId = class, schoolSourcedId = classes[class], userSourcedId = user,
                    role = role, metadata = keep_original(nil, "role", role_text, role),
                })
            end
        end
    end
end

-- SDS v2: OneRoster 1.1 users that carry their role and orgs.
local function v2_users(run, orgs)
    local users = {}
    local seen = {}
    local file = "users.csv"
    for _, item in ipairs(read_all(run, file, true, { "sourcedId", "orgSourcedIds", "username", "role" })) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        local user_orgs = split_list(field(row, "orgSourcedIds"))
        local missing = nil
        for _, org in ipairs(user_orgs) do
            if not orgs[org] then missing = org end
        end
        if id == "" then
            run.reject(file, number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every user needs one")
        elseif missing then
            run.reject(file, number, "ref.missing", "orgSourcedIds", missing, id,
                "org '" .. missing .. "' is not an accepted org of orgs.csv; the user is rejected")
        elseif first_use(run, seen, file, number, "sourcedId", id) then
            local role_text = field(row, "role")
            local role = user_role(role_text, false)
            local grade = grade_code(field(row, "grade"))
            run.ctx.emit("users", {
                sourcedId = id, enabledUser = true, orgSourcedIds = user_orgs, role = role,
                username = field(row, "username"), givenName = field(row, "givenName"),
                familyName = field(row, "familyName"), grades = grade and { grade } or nil,
                metadata = keep_original(nil, "role", role_text, role),
            })
            users[id] = true
        end
    end
    return users
end

local function sync_v2(run)
    local orgs = v2_orgs(run)
    local users = v2_users(run, orgs)
    local classes = v2_classes(run, orgs, {}, {})
    v2_enrollments(run, classes, users)
end

-- SDS v2.1: OneRoster 1.2 users, with their roles from roles.csv.
local function v21_roles(run, orgs, users, sessions)
    local file = "roles.csv"
    local seen = {}
    local primary_org, grades = {}, {}
    for _, item in ipairs(read_all(run, file, true, { "userSourcedId", "orgSourcedId", "role" })) do
        local row, number = item.row, item.number
        local user = field(row, "userSourcedId")
        local org = field(row, "orgSourcedId")
        local role_text = field(row, "role")
        local session = field(row, "sessionSourcedId")
        if not users[user] then
            run.reject(file, number, "ref.missing", "userSourcedId", user, nil,
                "userSourcedId '" .. user .. "' is not an accepted user of users.csv; the role is rejected")
        elseif not orgs[org] then
            run.reject(file, number, "ref.missing", "orgSourcedId", org, nil,
                "orgSourcedId '" .. org .. "' is not an accepted org of orgs.csv; the role is rejected")
        elseif role_text == "" then
            run.reject(file, number, "field.required", "role", "", nil,
                "column 'role' is blank; give the role, such as student or teacher")
        else
            local role = user_role(role_text, true)
            local id = user .. ":" .. org .. ":" .. role
            local begin_text, end_text = field(row, "roleStartDate"), field(row, "roleEndDate")
            local begin_date = begin_text == "" and "" or run.date(file, number, "roleStartDate", begin_text, id, "role")
            local end_date = begin_date and (end_text == "" and "" or run.date(file, number, "roleEndDate", end_text,
                id, "role"))
            if end_date and first_use(run, seen, file, number, "userSourcedId", id) then
                local is_primary = field(row, "isPrimary"):lower() == "true"
                local metadata = keep_original(nil, "role", role_text, role)
                if session ~= "" then
                    metadata = metadata or {}
                    metadata["sds.sessionSourcedId"] = session
                    if not sessions[session] then
                        run.warn(file, number, "ref.missing-optional", "sessionSourcedId", session, id,
                            "session '" .. session .. "' is not in academicSessions.csv; it is kept in metadata only")
                    end
                end
                run.ctx.emit("roles", {
                    sourcedId = id, userSourcedId = user, orgSourcedId = org, role = role,
                    roleType = is_primary and "primary" or "secondary",
                    beginDate = begin_date ~= "" and begin_date or nil, endDate = end_date ~= "" and end_date or nil,
                    metadata = metadata,
                })
                if is_primary and not primary_org[user] then primary_org[user] = org end
                local grade = grade_code(field(row, "grade"))
                if grade and role == "student" then grades[user] = grade end
            end
        end
    end
    return primary_org, grades
end

-- Returns user id -> list for a two-column file such as userFlags.csv.
local function v21_user_lists(run, file, column, users)
    local lists = {}
    for _, item in ipairs(read_all(run, file, false, { "userSourcedId", column })) do
        local user = field(item.row, "userSourcedId")
        local value = field(item.row, column)
        if not users[user] then
            run.reject(file, item.number, "ref.missing", "userSourcedId", user, nil,
                "userSourcedId '" .. user .. "' is not in users.csv; the row is rejected")
        elseif value ~= "" then
            lists[user] = lists[user] or {}
            table.insert(lists[user], value)
        end
    end
    return lists
end

local function v21_demographics(run, users)
    local file = "demographics.csv"
    local seen = {}
    for _, item in ipairs(read_all(run, file, false, { "userSourcedId" })) do
        local row, number = item.row, item.number
        local user = field(row, "userSourcedId")
        if not users[user] then
            run.reject(file, number, "ref.missing", "userSourcedId", user, nil,
                "userSourcedId '" .. user .. "' is not an accepted user of users.csv; the row is rejected")
        elseif first_use(run, seen, file, number, "userSourcedId", user) then
            local birth_text = field(row, "birthDate")
            local birth = birth_text == "" and "" or run.date(file, number, "birthDate", birth_text, user,
                "demographics row")
            if birth then
                local record = {
                    sourcedId = user, birthDate = birth ~= "" and birth or nil,
                    sex = field(row, "sex") ~= "" and field(row, "sex"):lower() or nil,
                    cityOfBirth = field(row, "birthCity") ~= "" and field(row, "birthCity") or nil,
                    stateOfBirthAbbreviation = field(row, "birthState") ~= "" and field(row, "birthState") or nil,
                    countryOfBirthCode = field(row, "birthCountry") ~= "" and field(row, "birthCountry") or nil,
                }
                for _, code in ipairs(split_list(field(row, "ethnicityCodes"))) do
                    if code:lower() == "hispanicorlatinoethnicity" then
                        record.hispanicOrLatinoEthnicity = true
                    else
                        run.warn(file, number, "field.enum", "ethnicityCodes", code, user,
                            "ethnicity code '" .. code .. "' is not hispanicOrLatinoEthnicity; it is left out")
                    end
                end
                for _, code in ipairs(split_list(field(row, "raceCodes"))) do
                    local flag = RACES[code:lower()]
                    if flag then
                        record[flag] = true
                    else
                        run.warn(file, number, "field.enum", "raceCodes", code, user,
                            "race code '" .. code .. "' is not a OneRoster race; it is left out")
                    end
                end
                run.ctx.emit("demographics", record)
            end
        end
    end
end

local function sync_v21(run)
    local orgs = v2_orgs(run)
    local sessions = v2_sessions(run)
    local user_rows = read_all(run, "users.csv", true, { "sourcedId", "username" })
    local users = {}
    for _, item in ipairs(user_rows) do
        local id = field(item.row, "sourcedId")
        if id ~= "" then users[id] = users[id] or item.number end
    end
    local primary_org, grades = v21_roles(run, orgs, users, sessions)
    local flags = v21_user_lists(run, "userFlags.csv", "flag", users)
    local agents = v21_user_lists(run, "relationships.csv", "relationshipUserSourcedId", users)

    local seen = {}
    for _, item in ipairs(user_rows) do
        local row, number = item.row, item.number
        local id = field(row, "sourcedId")
        if id == "" then
            run.reject("users.csv", number, "field.required", "sourcedId", "", nil,
                "column 'sourcedId' is blank; every user needs one")
        elseif first_use(run, seen, "users.csv", number, "sourcedId", id) then
            local metadata = nil
            local match_id = field(row, "activeDirectoryMatchId")
            if match_id ~= "" then metadata = { ["sds.activeDirectoryMatchId"] = match_id } end
            if flags[id] then
                metadata = metadata or {}
                metadata["sds.flags"] = table.concat(flags[id], ",")
            end
            local function optional(name)
                local value = field(row, name)
                return value ~= "" and value or nil
            end
            run.ctx.emit("users", {
                sourcedId = id, enabledUser = true, username = field(row, "username"),
                givenName = field(row, "givenName"), familyName = field(row, "familyName"),
                email = optional("email"), phone = optional("phone"), sms = optional("sms"),
                primaryOrgSourcedId = primary_org[id], grades = grades[id] and { grades[id] } or nil,
                agentSourcedIds = agents[id], metadata = metadata,
            })
        end
    end

    local courses = v2_courses(run, orgs)
    local classes = v2_classes(run, orgs, courses, sessions)
    v2_enrollments(run, classes, users)
    v21_demographics(run, users)
end

---------------------------------------------------------------------------------------------
-- Settings and format detection

local FORMATS = { v1 = true, v2 = true, ["v2.1"] = true, auto = true }
local ORDERS = { mdy = true, dmy = true }

-- Returns the format of the export, or nil and a message.
local function detect_format(settings)
    if not FORMATS[settings.format] then
        return nil, "setting format is '" .. tostring(settings.format) .. "'; expected v1, v2, v2.1 or auto"
    end
    if not ORDERS[settings.date_order] then
        return nil, "setting date_order is '" .. tostring(settings.date_order) .. "'; expected mdy or dmy"
    end
    local year = settings.school_year
    if year and (year < 1900 or year > 2999) then
        return nil, "setting school_year is '" .. year .. "'; expected the year a school year ends in, such as 2026"
    end
    local folder = settings.path
    local marker = { v1 = "School.csv", v2 = "orgs.csv", ["v2.1"] = "orgs.csv" }
    if settings.format ~= "auto" then
        if not file_exists(folder, marker[settings.format]) then
            return nil, "folder '" .. folder .. "' has no " .. marker[settings.format] .. ", which an SDS "
                .. settings.format .. " export has; check the path and format settings"
        end
        return settings.format
    end
    if file_exists(folder, "School.csv") then return "v1" end
    if file_exists(folder, "orgs.csv") then
        if file_exists(folder, "roles.csv") then return "v2.1" end
        return "v2"
    end
    return nil, "folder '" .. folder .. "' has neither School.csv (SDS v1) nor orgs.csv (SDS v2 and v2.1); "
        .. "check that the path setting names the folder of the SDS CSV files"
end

return {
    name = "sds",
    version = "1.0.0",
    description = "Microsoft School Data Sync CSV export (v1, v2 or v2.1) in a folder",

    settings = {
        path = { type = "path", required = true, description = "Folder holding the SDS CSV files" },
        format = {
            type = "string", default = "auto",
            description = "SDS format: v1, v2, v2.1, or auto to choose by the files present",
        },
        date_order = {
            type = "string", default = "mdy",
            description = "Order of slashed dates: mdy (SDS writes M/D/YYYY, in UK files too) or dmy; "
                .. "YYYY-MM-DD is always read",
        },
        school_year = {
            type = "integer",
            description = "Year the school year ends in (2026 for 2025-26), for classes the files give no term",
        },
        district_id = {
            type = "string", default = "sds-district",
            description = "sourcedId of the district org that v1 schools belong to (v1 files name no district)",
        },
        district_name = {
            type = "string", default = "District",
            description = "Name of the district org made for v1 files",
        },
    },

    check = function(ctx)
        local format, err = detect_format(ctx.settings)
        if not format then return nil, err end
        rollbook.log.info("SDS export readable", { format = format })
        return true
    end,

    sync = function(ctx)
        local format, err = detect_format(ctx.settings)
        if not format then error(err, 0) end
        local run = new_run(ctx)
        if format == "v1" then
            sync_v1(run)
        elseif format == "v2" then
            sync_v2(run)
        else
            sync_v21(run)
        end
        rollbook.log.info("SDS export read", { format = format, rejected_rows = run.rejected })
    end,
}
