-- Reads a PowerSchool SIS through its REST API (/ws/v1) with a plugin's OAuth client credentials.
--
-- The district and its schools become orgs, each school's terms academicSessions, its courses courses,
-- its sections classes, and its students and staff users. Section enrollments and each section's lead
-- teacher become enrollments. Collections are read with `page` (from 1) and `pagesize`, and the matching
-- `/count` resource, when the server returns it, gives the number of records to expect.
--
-- sourcedIds are built from PowerSchool ids with a kind prefix (`school-110`, `student-1001`). Term ids
-- repeat from school to school in PowerSchool, so a term's sourcedId also names its school
-- (`term-110-3500`).

local json = rollbook.json
local oauth2 = rollbook.library("oauth2")
local settings_library = rollbook.library("settings")
local log = rollbook.log

-- A safety bound on requests per collection, far above 1M records at 100 per page.
local max_pages = 100000

-- PowerSchool grade_level numbers and their CEDS grade codes. Grades 1 to 13 become "01" to "13".
local named_grades = { [-2] = "PR", [-1] = "PK", [0] = "KG" }

-- Term portions (how many parts the school year is split into) and the academicSession type of each.
local session_types = { [1] = "schoolYear", [2] = "semester" }

-- Converts a JSON scalar to text: integers without a decimal point, nil and JSON null to nil.
local function text(value)
    if value == nil or value == json.null then
        return nil
    end
    if type(value) == "number" then
        return math.type(value) == "integer" and string.format("%d", value) or tostring(value)
    end
    if type(value) == "boolean" then
        return value and "true" or "false"
    end
    if type(value) == "string" then
        return value ~= "" and value or nil
    end
    return nil
end

-- Returns a JSON value as a list, because PowerSchool's XML-derived JSON may send a list of one as the bare object.
local function as_list(value)
    if type(value) ~= "table" then
        return {}
    end
    if value[1] ~= nil or next(value) == nil then
        return value
    end
    return { value }
end

local function check_settings(settings)
    local problems = settings_library.problems("powerschool")
    if not settings.base_url:match("^https?://[^/]") then
        problems:add("base_url '" .. settings.base_url .. "' must start with http:// or https:// and a host name")
    end
    if settings.page_size < 1 then
        problems:add("page_size '" .. settings.page_size .. "' must be at least 1")
    end
    problems:check_school_year(settings)
    problems:check_request(settings)
    problems:raise()
end

-- A connection to the server: the settings, the current access token, and which `/count` resources failed.
local Session = {}
Session.__index = Session

local function new_session(settings)
    local secret, err = rollbook.secrets.get("client_secret")
    if not secret then
        error("powerschool: " .. err, 0)
    end
    local root = settings.base_url:gsub("/+$", "")
    return setmetatable({
        settings = settings,
        root = root,
        oauth = oauth2.session {
            name = "powerschool", token_url = root .. "/oauth/access_token", client_id = settings.client_id,
            client_secret = secret, timeout = settings.timeout, retries = settings.retries,
            token_hint = "check client_id and client_secret, and that the plugin is enabled",
            access_hint = "check that the plugin's data access includes this resource",
        },
        counts_unavailable = {},
    }, Session)
end

-- Sends a GET with the Bearer token, renewing the token once on a 401.
function Session:get(url)
    return self.oauth:get(url)
end

-- Sends a GET that must return 200 with a JSON object, and returns the decoded object.
function Session:get_document(url)
    local response = self:get(url)
    if response.status ~= 200 then
        error(string.format("powerschool: %s returned HTTP %d: %s", url, response.status,
            response.body:sub(1, 200)), 0)
    end
    local document, err = json.decode(response.body)
    if document == nil then
        error("powerschool: the response from " .. url .. " is not valid JSON: " .. err, 0)
    end
    if type(document) ~= "table" then
        error("powerschool: the response from " .. url .. " is not a JSON object", 0)
    end
    return document
end

-- Returns the record count from `path/count`, or nil when the server does not return one.
-- A kind of resource whose count failed once (such as `section_enrollment`) is not asked again.
function Session:count(path, kind)
    if self.counts_unavailable[kind] then
        return nil
    end
    local url = self.root .. path .. "/count"
    local response = self:get(url)
    local document = response.status == 200 and json.decode(response.body)
    local resource = type(document) == "table" and document.resource
    local count = type(resource) == "table" and tonumber(resource.count)
    if not count then
        self.counts_unavailable[kind] = true
        -- A server that does not offer the count is normal; one that fails to give it may be failing elsewhere.
        local failing = response.status == 429 or response.status >= 500
        local note = failing and log.warn or log.info
        note("record count not available; paging until a short page",
            { url = url, status = tostring(response.status) })
        return nil
    end
    return count
end

-- Reads every page of the collection at `path`, wrapped as {outer = {inner = [...]}}, and calls
-- `handle(record)` for each record. Returns the number of records read.
--
-- Paging ends on an empty page, or on a page shorter than both pagesize and an earlier page, because a
-- server may cap the page size below the requested one. While the `/count` total is not reached,
-- a short page does not end paging, and fewer records than that total fail the read.
function Session:read_collection(path, outer, inner, kind, handle)
    local size = self.settings.page_size
    local resource, query = path:match("^([^?]*)%??(.*)$")
    local expected = self:count(resource, kind)
    local prefix = query ~= "" and (query .. "&") or ""
    local received, largest = 0, 0

    for page = 1, max_pages do
        local url = string.format("%s%s?%spagesize=%d&page=%d", self.root, resource, prefix, size, page)
        local document = self:get_document(url)
        local body = document[outer]
        if body == nil then
            error("powerschool: the response from " .. url .. " has no '" .. outer
                .. "' key; expected a JSON object such as {\"" .. outer .. "\": {\"" .. inner .. "\": [...]}}", 0)
        end
        -- An empty collection may come as an empty string or without the inner key.
        local records = type(body) == "table" and as_list(body[inner]) or {}
        for _, record in ipairs(records) do
            if type(record) ~= "table" then
                error("powerschool: the response from " .. url .. " has a '" .. inner
                    .. "' entry that is not a JSON object", 0)
            end
            handle(record)
        end

        local count = #records
        received = received + count
        if count == 0 then
            break
        end
        if expected then
            if received >= expected then
                break
            end
        elseif count < size and count < largest then
            break
        end
        if count > largest then
            largest = count
        end
        if page == max_pages then
            error("powerschool: " .. path .. " needed more than " .. max_pages .. " pages; raise page_size", 0)
        end
    end

    if expected and received < expected then
        error(string.format("powerschool: %s/count reported %d records but paging returned %d; "
            .. "the data may have changed during the read, so run the sync again", path, expected, received), 0)
    end
    if expected and received > expected then
        log.warn("more records than the count reported; the data may have changed during the read",
            { path = path, count = tostring(expected), received = tostring(received) })
    end
    return received
end

-- Returns the CEDS grade code for a PowerSchool grade_level, or the value itself when it has none,
-- so that the validator reports it.
local function ceds_grade(value)
    local number = math.tointeger(tonumber(value))
    if number == nil then
        return text(value)
    end
    if named_grades[number] then
        return named_grades[number]
    end
    if number >= 1 and number <= 13 then
        return string.format("%02d", number)
    end
    return text(value)
end

-- Returns the OneRoster school year (the year it ends) of a term, from start_year or start_date.
local function school_year_of(term)
    local start_year = math.tointeger(tonumber(term.start_year))
    if not start_year and type(term.start_date) == "string" then
        start_year = math.tointeger(tonumber(term.start_date:match("^(%d%d%d%d)%-")))
    end
    return start_year and start_year + 1
end

local function name_parts(record)
    local name = type(record.name) == "table" and record.name or {}
    return text(name.first_name), text(name.middle_name), text(name.last_name)
end

-- Reads the district record and emits it as the root org; returns its sourcedId.
local function emit_district(ctx, session)
    local url = session.root .. "/ws/v1/district"
    local document = session:get_document(url)
    local district = document.district
    if type(district) ~= "table" then
        error("powerschool: the response from " .. url .. " has no 'district' object", 0)
    end
    local id = text(district.id) or text(district.number) or text(district.district_number)
    if not id then
        error("powerschool: the district record from " .. url .. " has no 'id' or 'number'", 0)
    end
    local sourced_id = "district-" .. id
    ctx.emit("orgs", {
        sourcedId = sourced_id,
        name = text(district.name),
        type = "district",
        identifier = text(district.number) or text(district.district_number),
    })
    return sourced_id
end

-- Reads the school's terms, emits those of the chosen school year, and returns a table from the
-- PowerSchool term id to the term's sourcedId.
local function emit_terms(ctx, session, school_id)
    local selected_year = ctx.settings.school_year
    local terms = {}
    local years = {}
    session:read_collection("/ws/v1/school/" .. school_id .. "/term", "terms", "term", "term", function(term)
        local year = school_year_of(term)
        if selected_year == nil or year == selected_year then
            terms[#terms + 1] = term
            if math.tointeger(tonumber(term.portion)) == 1 and year then
                years[year] = "term-" .. school_id .. "-" .. text(term.id)
            end
        end
    end)

    local ids = {}
    for _, term in ipairs(terms) do
        local id = text(term.id)
        local sourced_id = "term-" .. school_id .. "-" .. tostring(id)
        local portion = math.tointeger(tonumber(term.portion))
        local year = school_year_of(term)
        local parent = year and years[year]
        ids[id] = sourced_id
        ctx.emit("academicSessions", {
            sourcedId = sourced_id,
            title = text(term.name) or text(term.abbreviation),
            type = session_types[portion] or "term",
            startDate = text(term.start_date),
            endDate = text(term.end_date),
            schoolYear = year and tostring(year),
            parentSourcedId = parent ~= sourced_id and parent or nil,
        })
    end
    return ids
end

-- Reads the school's courses and emits the ones not seen at an earlier school; fills `course_names`.
local function emit_courses(ctx, session, school_id, school_sourced_id, course_names)
    session:read_collection("/ws/v1/school/" .. school_id .. "/course", "courses", "course", "course",
        function(course)
            local id = text(course.id)
            if id and course_names[id] == nil then
                course_names[id] = text(course.course_name) or ""
                ctx.emit("courses", {
                    sourcedId = "course-" .. id,
                    title = text(course.course_name),
                    courseCode = text(course.course_number),
                    orgSourcedId = school_sourced_id,
                })
            elseif id == nil then
                ctx.emit("courses", { title = text(course.course_name), orgSourcedId = school_sourced_id })
            end
        end)
end

-- Reads the school's sections in the chosen terms, emits them as classes with their lead teacher's
-- enrollment, and returns their PowerSchool ids.
local function emit_sections(ctx, session, school_id, school_sourced_id, term_ids, course_names)
    local sections = {}
    session:read_collection("/ws/v1/school/" .. school_id .. "/section", "sections", "section", "section",
        function(section)
            local id = text(section.id)
            local term = term_ids[text(section.term_id)]
            -- A section of a term outside school_year is left out with its enrollments.
            if term == nil and ctx.settings.school_year ~= nil then
                return
            end
            local course_id = text(section.course_id)
            local number = text(section.section_number)
            local title = course_names[course_id] or ""
            if number then
                title = title ~= "" and (title .. " " .. number) or number
            end
            local class_id = id and ("section-" .. id)
            ctx.emit("classes", {
                sourcedId = class_id,
                title = title ~= "" and title or nil,
                classCode = number,
                classType = "scheduled",
                courseSourcedId = course_id and ("course-" .. course_id),
                schoolSourcedId = school_sourced_id,
                termSourcedIds = term or ("term-" .. school_id .. "-" .. tostring(text(section.term_id))),
                periods = text(section.expression),
            })
            local teacher = text(section.staff_id)
            -- NOTE: staff_id is matched against the `id` of /staff records, and a section enrollment's
            -- student_id against the `id` of /student records. No live server was checked, so a server
            -- whose ids differ (a teacher id against a users dcid) would produce reference findings.
            if class_id and teacher and teacher ~= "0" then
                ctx.emit("enrollments", {
                    sourcedId = class_id .. "-teacher-" .. teacher,
                    classSourcedId = class_id,
                    schoolSourcedId = school_sourced_id,
                    userSourcedId = "staff-" .. teacher,
                    role = "teacher",
                    primary = "true",
                })
            end
            if id then
                sections[#sections + 1] = id
            end
        end)
    return sections
end

-- Reads the school's students and emits those not seen at an earlier school.
local function emit_students(ctx, session, school_id, school_sourced_id, seen)
    local path = "/ws/v1/school/" .. school_id .. "/student?expansions=school_enrollment"
    session:read_collection(path, "students", "student", "student", function(student)
        local id = text(student.id)
        if id and seen[id] then
            return
        end
        if id then
            seen[id] = true
        end
        local given_name, middle_name, family_name = name_parts(student)
        local enrollment = type(student.school_enrollment) == "table" and student.school_enrollment or {}
        local status = math.tointeger(tonumber(enrollment.enroll_status))
        ctx.emit("users", {
            sourcedId = id and ("student-" .. id),
            enabledUser = (status == nil or status == 0) and "true" or "false",
            orgSourcedIds = school_sourced_id,
            role = "student",
            username = text(student.student_username) or "",
            identifier = text(student.local_id),
            givenName = given_name,
            middleName = middle_name,
            familyName = family_name,
            grades = ceds_grade(enrollment.grade_level),
        })
    end)
end

-- Reads the school's staff into `staff` (id to record and school list), merging repeats across schools.
local function collect_staff(session, school_id, school_sourced_id, staff, order)
    local path = "/ws/v1/school/" .. school_id .. "/staff?expansions=emails,school_affiliations"
    session:read_collection(path, "staffs", "staff", "staff", function(member)
        local id = text(member.id) or ""
        local entry = staff[id]
        if entry == nil then
            entry = { record = member, schools = {} }
            staff[id] = entry
            order[#order + 1] = id
        end
        entry.schools[#entry.schools + 1] = school_sourced_id
    end)
end

local function emit_staff(ctx, staff, order)
    for _, id in ipairs(order) do
        local entry = staff[id]
        local member = entry.record
        local given_name, middle_name, family_name = name_parts(member)
        local emails = type(member.emails) == "table" and member.emails or {}
        ctx.emit("users", {
            sourcedId = id ~= "" and ("staff-" .. id) or nil,
            enabledUser = "true",
            orgSourcedIds = entry.schools,
            role = "teacher",
            username = text(member.teacher_username) or text(member.admin_username) or "",
            identifier = text(member.local_id),
            givenName = given_name,
            middleName = middle_name,
            familyName = family_name,
            email = text(emails.work_email),
        })
    end
end

-- Reads one section's enrollments and emits the ones not dropped; returns how many were dropped.
local function emit_section_enrollments(ctx, session, section_id, school_sourced_id)
    local dropped = 0
    local path = "/ws/v1/section/" .. section_id .. "/section_enrollment"
    session:read_collection(path, "section_enrollments", "section_enrollment", "section_enrollment",
        function(enrollment)
            if enrollment.dropped == true or enrollment.dropped == "true" then
                dropped = dropped + 1
                return
            end
            local id = text(enrollment.id)
            local student = text(enrollment.student_id)
            ctx.emit("enrollments", {
                sourcedId = id and ("enrollment-" .. id),
                classSourcedId = "section-" .. section_id,
                schoolSourcedId = school_sourced_id,
                userSourcedId = student and ("student-" .. student),
                role = "student",
                beginDate = text(enrollment.entry_date),
                endDate = text(enrollment.exit_date),
            })
        end)
    return dropped
end

-- Reads the district's schools and returns them as {id=, sourced_id=} after emitting them as orgs.
local function emit_schools(ctx, session, district_sourced_id)
    local schools = {}
    session:read_collection("/ws/v1/district/school", "schools", "school", "school", function(school)
        local id = text(school.id)
        if id == nil then
            error("powerschool: a school record from /ws/v1/district/school has no 'id'", 0)
        end
        local sourced_id = "school-" .. id
        schools[#schools + 1] = { id = id, sourced_id = sourced_id }
        ctx.emit("orgs", {
            sourcedId = sourced_id,
            name = text(school.name),
            type = "school",
            identifier = text(school.school_number),
            parentSourcedId = district_sourced_id,
        })
    end)
    return schools
end

return {
    name = "powerschool",
    version = "1.0.0",
    description = "PowerSchool SIS REST API (/ws/v1), read with a plugin's OAuth client credentials",

    settings = settings_library.with_request_settings({
        base_url = {
            type = "string",
            required = true,
            description = "Address of the PowerSchool server, such as https://powerschool.example.org",
        },
        client_id = { type = "string", required = true, description = "Client ID of the PowerSchool plugin" },
        client_secret = {
            type = "string",
            required = true,
            secret = true,
            description = "Client secret of the PowerSchool plugin",
        },
        page_size = { type = "integer", default = 100, description = "Records per request (pagesize)" },
        school_year = {
            type = "integer",
            description = "Only terms and sections of the school year ending in this year, such as 2026; "
                .. "all years when unset",
        },
    }),

    check = function(ctx)
        check_settings(ctx.settings)
        local session = new_session(ctx.settings)
        session.oauth:authenticate()
        local url = session.root .. "/ws/v1/district"
        local response = session:get(url)
        if response.status ~= 200 then
            return nil, string.format("%s returned HTTP %d", url, response.status)
        end
        return true
    end,

    sync = function(ctx)
        check_settings(ctx.settings)
        local session = new_session(ctx.settings)
        local district = emit_district(ctx, session)
        local schools = emit_schools(ctx, session, district)

        local course_names, students_seen, staff, staff_order = {}, {}, {}, {}
        local sections = {}
        for _, school in ipairs(schools) do
            local term_ids = emit_terms(ctx, session, school.id)
            emit_courses(ctx, session, school.id, school.sourced_id, course_names)
            for _, section in ipairs(emit_sections(ctx, session, school.id, school.sourced_id, term_ids,
                course_names)) do
                sections[#sections + 1] = { id = section, school = school.sourced_id }
            end
            emit_students(ctx, session, school.id, school.sourced_id, students_seen)
            collect_staff(session, school.id, school.sourced_id, staff, staff_order)
        end
        emit_staff(ctx, staff, staff_order)

        local dropped = 0
        for _, section in ipairs(sections) do
            dropped = dropped + emit_section_enrollments(ctx, session, section.id, section.school)
        end
        log.info("district read", { schools = tostring(#schools), sections = tostring(#sections),
            staff = tostring(#staff_order), dropped_enrollments = tostring(dropped) })
    end,
}
