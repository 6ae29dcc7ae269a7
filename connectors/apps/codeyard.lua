-- Codeyard, a coding curriculum. It gets the students and teachers of the secondary schools, the classes of
-- computer-science courses and their enrollments. Students sign in with their school e-mail address, so the
-- username it sees is that address. Edit this file and the next `rollbook sync` maps the roster again;
-- `rollbook app preview codeyard` shows the result first. The contract is described in docs/apps.md.

local function is_secondary(org)
    return org.name:match("Middle School$") ~= nil or org.name:match("High School$") ~= nil
end

return {
    name = "codeyard",
    description = "Coding curriculum for middle and high schools",

    share = {
        -- Schools by type and name; their district comes along, so that parentSourcedId still resolves.
        orgs = { types = { "school" }, where = is_secondary },
        roles = { "student", "teacher" },
        courses = function(course)
            return (course.subjects or ""):find("Computer Science", 1, true) ~= nil
        end,
        -- Users of the shared schools who are enrolled in a shared class; the other students stay out.
        only_enrolled = true,
        -- Optional fields Codeyard may read; the required ones (names, username, role...) always go.
        fields = {
            users = { "email", "grades", "identifier" },
        },
    },

    user = function(user)
        user.username = user.email or user.username
        return user
    end,
}
