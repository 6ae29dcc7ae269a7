-- Reads the five CSV files of a Clever SFTP upload (schools.csv, students.csv,
-- teachers.csv, sections.csv and enrollments.csv) and emits OneRoster 1.1 records.
--
-- Clever's column names are case-sensitive and the column order is free, so every
-- file's header is checked against the required columns before any row is read.
-- sourcedIds are the Clever ids (School_id, Student_id, Teacher_id, Section_id);
-- courses, terms and enrollments have no id of their own in these files, so theirs
-- are built from the ids and values they are derived from.

local csv = rollbook.csv

-- Columns without which a file cannot be mapped at all.
local required_columns = {
    ["schools.csv"] = { "School_id", "School_name" },
    ["students.csv"] = { "School_id", "Student_id", "First_name", "Last_name" },
    ["teachers.csv"] = { "School_id", "Teacher_id", "First_name", "Last_name" },
    ["sections.csv"] = { "School_id", "Section_id", "Teacher_id" },
    ["enrollments.csv"] = { "School_id", "Section_id", "Student_id" },
}
local file_order = { "schools.csv", "students.csv", "teachers.csv", "sections.csv", "enrollments.csv" }

-- Clever grade names and numbers to CEDS grade level codes. A value not listed here
-- is emitted as given, so the validator reports it as a non-standard grade.
local grade_codes = {
    InfantToddler = "IT", Preschool = "PR", PreKindergarten = "PK", TransitionalKindergarten = "TK",
    Kindergarten = "KG", PostGraduate = "PS", Ungraded = "UG", Other = "Other",
}
for number = 1, 13 do
    grade_codes[tostring(number)] = string.format("%02d", number)
end

-- Extra teacher columns of sections.csv after the primary Teacher_id.
local secondary_teacher_columns = {}
for number = 2, 10 do
    secondary_teacher_columns[#secondary_teacher_columns + 1] = "Teacher_" .. number .. "_id"
end

local function file_path(ctx, name)
    return ctx.settings.path .. "/" .. name
end

-- Returns true when every file has a header with its required columns, or nil and a
-- message naming the file and the first missing column.
local function check_headers(ctx)
    for _, name in ipairs(file_order) do
        local header, err = csv.header(file_path(ctx, name))
        if not header then
            return nil, "cannot read '" .. name .. "' in folder '" .. ctx.settings.path .. "': " .. err
        end
        local present = {}
        for _, column in ipairs(header) do
            if present[column] then
                return nil, name .. ": column '" .. column .. "' appears twice in the header; remove one"
            end
            present[column] = true
        end
        for _, column in ipairs(required_columns[name]) do
            if not present[column] then
                return nil, name .. ": missing required column '" .. column .. "'; Clever column names are "
                    .. "case-sensitive, such as " .. table.concat(required_columns[name], ", ")
            end
        end
    end
    return true
end

local function blank(value)
    return value == nil or value == ""
end

-- Returns the value, or nil when it is empty, so that empty cells leave a field out.
local function present(value)
    if blank(value) then
        return nil
    end
    return value
end

-- Converts MM/DD/YYYY (the form Clever's files use) or YYYY-MM-DD to YYYY-MM-DD. Any
-- other text is returned unchanged, so the validator rejects the record and names it.
local function iso_date(value)
    if blank(value) then
        return nil
    end
    local month, day, year = value:match("^(%d%d?)/(%d%d?)/(%d%d%d%d)$")
    if month then
        return string.format("%s-%02d-%02d", year, tonumber(month), tonumber(day))
    end
    return value
end

local function ceds_grade(value)
    if blank(value) then
        return nil
    end
    return grade_codes[value] or value
end

-- Builds an id fragment from free text: lower case, with runs of other characters as '-'.
local function slug(text)
    return (text:lower():gsub("[^%w]+", "-"):gsub("^-+", ""):gsub("-+$", ""))
end

local function emit_schools(ctx, district_id)
    for row in csv.rows(file_path(ctx, "schools.csv")) do
        ctx.emit("orgs", {
            sourcedId = row.School_id,
            name = row.School_name,
            type = "school",
            identifier = present(row.School_number),
            parentSourcedId = district_id,
        })
    end
end

local sex_codes = { M = "male", F = "female" }

local function emit_students(ctx)
    for row in csv.rows(file_path(ctx, "students.csv")) do
        local id = row.Student_id
        ctx.emit("users", {
            sourcedId = id,
            enabledUser = true,
            orgSourcedIds = { row.School_id },
            role = "student",
            username = present(row.Username) or present(row.Student_email) or id,
            givenName = row.First_name,
            familyName = row.Last_name,
            middleName = present(row.Middle_name),
            identifier = present(row.Student_number),
            email = present(row.Student_email),
            grades = ceds_grade(row.Grade),
            userIds = present(row.State_id) and { { type = "state", identifier = row.State_id } } or nil,
        })
        local birth_date = iso_date(row.DOB)
        -- NOTE: OneRoster 1.1 has no sex value for Clever's "X", so such a student gets no `sex` field.
        local sex = sex_codes[row.Gender or ""]
        if birth_date or sex then
            ctx.emit("demographics", { sourcedId = id, birthDate = birth_date, sex = sex })
        end
    end
end

-- A teacher who teaches at several schools has one row per school. Those rows become one
-- user whose orgSourcedIds lists the schools in row order.
local function emit_teachers(ctx)
    local order, teachers = {}, {}
    for row in csv.rows(file_path(ctx, "teachers.csv")) do
        local id = row.Teacher_id
        local teacher = teachers[id]
        if teacher then
            teacher.orgSourcedIds[#teacher.orgSourcedIds + 1] = row.School_id
        else
            teacher = {
                sourcedId = id,
                enabledUser = true,
                orgSourcedIds = { row.School_id },
                role = "teacher",
                username = present(row.Username) or present(row.Teacher_email) or id,
                givenName = row.First_name,
                familyName = row.Last_name,
                middleName = present(row.Middle_name),
                identifier = present(row.Teacher_number),
                email = present(row.Teacher_email),
                userIds = present(row.State_teacher_id)
                    and { { type = "state", identifier = row.State_teacher_id } } or nil,
            }
            teachers[id] = teacher
            order[#order + 1] = id
        end
    end
    for _, id in ipairs(order) do
        ctx.emit("users", teachers[id])
    end
end

-- Returns the OneRoster schoolYear (the calendar year in which the school year ends) of
-- a YYYY-MM-DD term start date. NOTE: this assumes that school years start in July or
-- later, as in the United States. A term that starts before July belongs to the year it starts in.
local function school_year(date)
    local year, month = (date or ""):match("^(%d%d%d%d)%-(%d%d)%-")
    if not year then
        return nil
    end
    if tonumber(month) >= 7 then
        return tostring(tonumber(year) + 1)
    end
    return year
end

-- The shape of the `term` setting, for messages.
local term_shape = '{ name = "...", start = "YYYY-MM-DD", ["end"] = "YYYY-MM-DD" } (dates may also be MM/DD/YYYY)'

-- Returns true when the `term` setting (a table, as the schema checks) is absent or has a start and an end
-- date, else nil and a message. A term without them would be rejected with every class that uses it.
local function check_term(term)
    if term == nil then
        return true
    end
    for _, field in ipairs({ "start", "end" }) do
        local value = term[field]
        local date = type(value) == "string" and iso_date(value)
        local month, day = (date or ""):match("^%d%d%d%d%-(%d%d)%-(%d%d)$")
        local valid = month and tonumber(month) >= 1 and tonumber(month) <= 12 and tonumber(day) >= 1
            and tonumber(day) <= 31
        if not valid then
            return nil, string.format("clever_csv settings: term.%s is '%s'; expected a date in %s", field,
                tostring(value), term_shape)
        end
    end
    if term.name ~= nil and type(term.name) ~= "string" then
        return nil, "clever_csv settings: term.name must be a string; expected " .. term_shape
    end
    return true
end

-- Returns the term sourcedId of a section row, emitting the term the first time it is seen.
-- The section's own term columns win over the `term` setting.
local function term_for(ctx, row, terms)
    local name, start, finish = present(row.Term_name), iso_date(row.Term_start), iso_date(row.Term_end)
    if not (name or start or finish) then
        local fallback = ctx.settings.term
        if not fallback then
            return nil
        end
        name, start, finish = fallback.name, iso_date(fallback.start), iso_date(fallback["end"])
    end
    name = name or ("Term " .. (start or "") .. " to " .. (finish or ""))
    local id = "term-" .. slug(name .. " " .. (start or "") .. " " .. (finish or ""))
    if not terms[id] then
        terms[id] = true
        local year = school_year(start or finish)
        ctx.emit("academicSessions", {
            sourcedId = id, title = name, type = "term", startDate = start, endDate = finish, schoolYear = year,
        })
    end
    return id
end

-- Returns the course sourcedId of a section row, emitting the course the first time it is
-- seen. A section without Course_number or Course_name gets a course of its own.
local function course_for(ctx, row, courses)
    local code, title = present(row.Course_number), present(row.Course_name)
    local id
    if code or title then
        id = "course-" .. row.School_id .. "-" .. slug(code or title)
    else
        id = "course-" .. row.Section_id
    end
    if not courses[id] then
        courses[id] = true
        ctx.emit("courses", {
            sourcedId = id,
            title = title or present(row.Name) or row.Section_id,
            courseCode = code,
            orgSourcedId = row.School_id,
            subjects = present(row.Subject),
        })
    end
    return id
end

local function enrollment(class_id, school_id, user_id, role, primary)
    return {
        sourcedId = class_id .. "-" .. user_id,
        classSourcedId = class_id,
        schoolSourcedId = school_id,
        userSourcedId = user_id,
        role = role,
        primary = primary,
    }
end

local function emit_sections(ctx)
    local terms, courses = {}, {}
    for row in csv.rows(file_path(ctx, "sections.csv")) do
        local id = row.Section_id
        local title = present(row.Name) or present(row.Course_name) or id
        ctx.emit("classes", {
            sourcedId = id,
            title = title,
            classCode = present(row.Section_number),
            classType = "scheduled",
            schoolSourcedId = row.School_id,
            courseSourcedId = course_for(ctx, row, courses),
            termSourcedIds = term_for(ctx, row, terms),
            grades = ceds_grade(row.Grade),
            subjects = present(row.Subject),
            periods = present(row.Period),
        })
        if present(row.Teacher_id) then
            ctx.emit("enrollments", enrollment(id, row.School_id, row.Teacher_id, "teacher", true))
        end
        for _, column in ipairs(secondary_teacher_columns) do
            local teacher = present(row[column])
            if teacher then
                ctx.emit("enrollments", enrollment(id, row.School_id, teacher, "teacher", false))
            end
        end
    end
end

local function emit_enrollments(ctx)
    for row in csv.rows(file_path(ctx, "enrollments.csv")) do
        ctx.emit("enrollments", enrollment(row.Section_id, row.School_id, row.Student_id, "student", nil))
    end
end

return {
    name = "clever_csv",
    version = "1.0.0",
    description = "Clever SFTP upload: schools, students, teachers, sections and enrollments CSV files",

    settings = {
        path = {
            type = "path",
            required = true,
            description = "Folder that contains schools.csv, students.csv, teachers.csv, sections.csv and "
                .. "enrollments.csv",
        },
        district_name = {
            type = "string",
            description = "Name of the district org that becomes every school's parent. Without it, schools "
                .. "have no parent",
        },
        term = {
            type = "table",
            description = "Term for sections without Term_name, Term_start and Term_end: "
                .. "{ name = , start = , [\"end\"] = } with dates as YYYY-MM-DD or MM/DD/YYYY",
        },
    },

    check = function(ctx)
        local ok, err = check_term(ctx.settings.term)
        if not ok then
            return nil, err
        end
        return check_headers(ctx)
    end,

    sync = function(ctx)
        local ok, err = check_term(ctx.settings.term)
        if ok then
            ok, err = check_headers(ctx)
        end
        if not ok then
            error(err, 0)
        end
        local district_id
        if ctx.settings.district_name then
            district_id = "district"
            ctx.emit("orgs", { sourcedId = district_id, name = ctx.settings.district_name, type = "district" })
        end
        emit_schools(ctx, district_id)
        emit_students(ctx)
        emit_teachers(ctx)
        emit_sections(ctx)
        emit_enrollments(ctx)
    end,
}
