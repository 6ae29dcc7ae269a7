-- Reads the Bluebird SIS JSON API: /schools, /students, /teachers, /classes and /enrollments,
-- each in pages of ?page=N&per_page=N, with the API key in the X-Api-Key header.
-- This is the finished connector of docs/tutorial-connector.md.

local json = rollbook.json

-- A bound on requests per collection, so a server that never reports the end cannot loop forever.
local max_pages = 100000

-- Bluebird grades to CEDS grade codes. A grade not listed is kept as given, and the validator
-- reports it as grade.nonstandard.
local grades = {
    ["PK"] = "PK",
    ["Pre-K"] = "PK",
    ["TK"] = "TK",
    ["K"] = "KG",
}
for year = 1, 12 do
    grades[tostring(year)] = string.format("%02d", year)
end

-- Bluebird staff titles to OneRoster 1.1 roles. A title not listed is kept in lower case, so
-- the validator rejects the user and names the value.
local roles = {
    Teacher = "teacher",
    Aide = "aide",
    Principal = "administrator",
}

-- Bluebird enrollment roles to OneRoster 1.1 enrollment roles, which are only administrator,
-- proctor, student and teacher. An aide enrollment becomes a teacher that is not primary, and the
-- aide's user record keeps the role aide.
local enrollment_roles = {
    student = { role = "student" },
    teacher = { role = "teacher", primary = "true" },
    aide = { role = "teacher", primary = "false" },
}

-- Sends one GET with the API key and returns the decoded JSON document, or nil and a message.
local function get(settings, path)
    local url = settings.base_url:gsub("/+$", "") .. path
    local api_key = rollbook.secrets.get("api_key")
    local response, err = rollbook.http.request {
        url = url,
        headers = { ["X-Api-Key"] = api_key, ["Accept"] = "application/json" },
        timeout = settings.timeout,
    }
    if not response then
        return nil, "bluebird: GET " .. url .. " failed: " .. err
    end
    if response.status == 401 then
        return nil, "bluebird: " .. url .. " rejected the API key (HTTP 401); check the api_key setting"
    end
    if response.status ~= 200 then
        return nil, string.format("bluebird: %s returned HTTP %d: %s", url, response.status, response.body:sub(1, 200))
    end
    local document, decode_err = json.decode(response.body)
    if type(document) ~= "table" or type(document.data) ~= "table" then
        return nil, "bluebird: the response from " .. url .. " is not a JSON object with a 'data' array"
            .. (decode_err and (": " .. decode_err) or "")
    end
    return document
end

-- Calls visit(record) for every record of a collection, page by page, and returns the count.
local function each_record(ctx, collection, visit)
    local per_page = ctx.settings.per_page
    local count = 0
    for page = 1, max_pages do
        local document, err = get(ctx.settings, string.format("/%s?page=%d&per_page=%d", collection, page, per_page))
        if not document then
            error(err, 0)
        end
        for _, record in ipairs(document.data) do
            visit(record)
            count = count + 1
        end
        local total = type(document.meta) == "table" and document.meta.total
        if #document.data == 0 or (math.type(total) == "integer" and count >= total) then
            ctx.log.info("read collection", { collection = collection, records = tostring(count) })
            return count
        end
    end
    error("bluebird: /" .. collection .. " needed more than " .. max_pages .. " pages; raise per_page", 0)
end

local function school_id(id)
    return "school-" .. tostring(id)
end

-- Emits a student or staff user with its school, role and (for students) grade.
local function emit_user(ctx, record, role, grade)
    ctx.emit("users", {
        sourcedId = tostring(record.id),
        enabledUser = "true",
        orgSourcedIds = { school_id(record.school_id) },
        role = role,
        username = record.email,
        email = record.email,
        givenName = record.first_name,
        familyName = record.last_name,
        grades = grade and { grade } or nil,
    })
end

return {
    name = "bluebird",
    version = "1.0.0",
    description = "Bluebird SIS JSON API, read with an API key",

    settings = {
        base_url = { type = "string", required = true, description = "Root of the API, such as http://127.0.0.1:8765" },
        api_key = { type = "string", required = true, secret = true, description = "Value of the X-Api-Key header" },
        per_page = { type = "integer", default = 50, description = "Records per request (1 to 100)" },
        timeout = { type = "number", default = 10, description = "Time limit of one HTTP attempt in seconds" },
    },

    check = function(ctx)
        if ctx.settings.per_page < 1 or ctx.settings.per_page > 100 then
            return nil, "bluebird: per_page is '" .. ctx.settings.per_page .. "'; expected 1 to 100"
        end
        local document, err = get(ctx.settings, "/schools?page=1&per_page=1")
        if not document then
            return nil, err
        end
        return true
    end,

    sync = function(ctx)
        each_record(ctx, "schools", function(school)
            ctx.emit("orgs", {
                sourcedId = school_id(school.id),
                name = school.name,
                type = "school",
                identifier = school.school_number,
            })
        end)

        each_record(ctx, "students", function(student)
            emit_user(ctx, student, "student", grades[student.grade] or student.grade)
        end)

        each_record(ctx, "teachers", function(teacher)
            emit_user(ctx, teacher, roles[teacher.title] or string.lower(teacher.title))
        end)

        -- Classes name their term and course inline, so each term and course is emitted once.
        local class_schools, terms, courses = {}, {}, {}
        each_record(ctx, "classes", function(class)
            local school = school_id(class.school_id)
            local term = class.term
            local term_id = "term-" .. term.id
            if not terms[term_id] then
                terms[term_id] = true
                ctx.emit("academicSessions", {
                    sourcedId = term_id,
                    title = term.name,
                    type = "schoolYear",
                    startDate = term.start_date,
                    endDate = term.end_date,
                    schoolYear = term.end_date:sub(1, 4),
                })
            end
            local course_id = "course-" .. tostring(class.school_id) .. "-" .. class.course_code
            if not courses[course_id] then
                courses[course_id] = true
                ctx.emit("courses", {
                    sourcedId = course_id,
                    title = class.course_name,
                    courseCode = class.course_code,
                    orgSourcedId = school,
                })
            end
            class_schools[class.id] = school
            ctx.emit("classes", {
                sourcedId = class.id,
                title = class.name,
                classType = "scheduled",
                courseSourcedId = course_id,
                schoolSourcedId = school,
                termSourcedIds = { term_id },
            })
        end)

        each_record(ctx, "enrollments", function(enrollment)
            -- An unknown role is kept as given, so the validator rejects the enrollment and names it.
            local mapped = enrollment_roles[enrollment.role] or { role = enrollment.role }
            ctx.emit("enrollments", {
                sourcedId = "enrollment-" .. tostring(enrollment.id),
                classSourcedId = enrollment.class_id,
                schoolSourcedId = class_schools[enrollment.class_id],
                userSourcedId = enrollment.user_id,
                role = mapped.role,
                primary = mapped.primary,
            })
        end)
    end,
}
