/// The text of the files `new-connector` writes.
enum ScaffoldTemplates {
    /// A sample export: two schools, two students and one teacher.
    static let samplePeople = """
        person_id,school_id,school_name,role,given_name,family_name,username
        p-1001,sch-1,North School,student,Ada,Lovelace,ada.lovelace
        p-1002,sch-1,North School,student,Alan,Turing,alan.turing
        p-2001,sch-2,South School,teacher,Grace,Hopper,grace.hopper

        """

    /// Returns the expected.json for the sample: the counts `rollbook connector run --json` prints for it.
    static func expected(connector: String) -> String {
        """
        {
          "connector": "\(connector)",
          "settings": {},
          "entities": {
            "orgs": {"count": 2, "rejected": 0},
            "users": {"count": 3, "rejected": 0}
          }
        }

        """
    }

    /// Returns a minimal connector script that reads people.csv from the `path` folder and emits schools and users.
    static func script(name: String) -> String {
        """
        -- Reads people.csv from the folder in the `path` setting and emits OneRoster 1.1
        -- orgs (one school per school_id) and users (one per row).
        --
        -- people.csv columns: person_id, school_id, school_name, role (student or teacher),
        -- given_name, family_name, username. Change the file name, the columns and the
        -- mapping below to match the SIS export this connector is for.

        local csv = rollbook.csv

        local file_name = "people.csv"
        local required_columns = {
            "person_id", "school_id", "school_name", "role", "given_name", "family_name", "username",
        }

        local function people_path(ctx)
            return ctx.settings.path .. "/" .. file_name
        end

        -- Returns true when people.csv has every required column, or nil and a message naming the
        -- first missing one. A missing column stops the run before any record is read.
        local function check_header(ctx)
            local header, err = csv.header(people_path(ctx))
            if not header then
                return nil, "cannot read '" .. file_name .. "' in folder '" .. ctx.settings.path .. "': " .. err
            end
            local present = {}
            for _, column in ipairs(header) do
                present[column] = true
            end
            for _, column in ipairs(required_columns) do
                if not present[column] then
                    return nil, file_name .. ": missing required column '" .. column .. "'; expected "
                        .. table.concat(required_columns, ", ")
                end
            end
            return true
        end

        return {
            -- The contract's fields: `name` matches the file name, `settings` is checked before a run.
            name = "\(name)",
            version = "0.1.0",
            description = "Reads people.csv (schools and users) from a folder",
            settings = {
                path = { type = "path", required = true, description = "Folder that contains people.csv" },
            },

            -- Called before every sync: checks that the file is readable and has the required columns.
            check = function(ctx)
                return check_header(ctx)
            end,

            -- Emits one org per school and one user per row. sourcedIds are the export's own ids,
            -- so they stay the same from run to run. A row with a bad value is still emitted, so
            -- the validator reports it with its file, row, field and value.
            sync = function(ctx)
                local ok, err = check_header(ctx)
                if not ok then
                    error(err)
                end

                local schools_seen = {}
                for row in csv.rows(people_path(ctx)) do
                    if not schools_seen[row.school_id] then
                        schools_seen[row.school_id] = true
                        ctx.emit("orgs", { sourcedId = row.school_id, name = row.school_name, type = "school" })
                    end
                    ctx.emit("users", {
                        sourcedId = row.person_id,
                        enabledUser = true,
                        orgSourcedIds = { row.school_id },
                        role = row.role,
                        username = row.username,
                        givenName = row.given_name,
                        familyName = row.family_name,
                    })
                end
            end,
        }

        """
    }

    /// Returns the Swift test suite name for a connector, such as `ConnectorMySisTests` for `my_sis`.
    static func testSuiteName(connector: String) -> String {
        let words = connector.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return "Connector" + words.joined() + "Tests"
    }

    /// Returns a Swift Testing suite that runs the connector on its fixtures through the real binary and checks
    /// the values of the sample, plus a run that a missing column stops.
    static func test(connector name: String) -> String {
        let suite = testSuiteName(connector: name)
        return #"""
            import Foundation
            import Testing

            /// The \#(name) connector, run on its fixtures by the real `rollbook connector run`.
            ///
            /// Written by `swift package new-connector \#(name)`. Keep it in step with the connector: one test for each
            /// mapping rule, and one for each bad input the connector must report.
            @Suite struct \#(suite) {
                static let fixtures = (Paths.root as NSString).appendingPathComponent("connectors/sis/fixtures/\#(name)")

                /// Runs the connector on `folder` and returns its exit status and its `--json` output.
                static func run(_ folder: String) throws -> (status: Int32, output: [String: Any]) {
                    let result = try runRollbook([
                        "connector", "run", "\#(name)", "--fixtures", folder, "--json", "--limit", "10",
                    ])
                    let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
                    return (result.status, object as? [String: Any] ?? ["stderr": result.stderr])
                }

                /// Returns the sample records of `entity` by sourcedId.
                static func records(_ output: [String: Any], _ entity: String) -> [String: [String: Any]] {
                    let entities = output["entities"] as? [String: Any]
                    let samples = (entities?[entity] as? [String: Any])?["records"] as? [[String: Any]] ?? []
                    var byId: [String: [String: Any]] = [:]
                    for record in samples {
                        if let id = record["sourcedId"] as? String { byId[id] = record }
                    }
                    return byId
                }

                @Test func fixturesGiveSchoolsAndUsers() throws {
                    let (status, output) = try Self.run(Self.fixtures)

                    #expect(status == 0, "\(output)")
                    #expect(Set(Self.records(output, "orgs").keys) == ["sch-1", "sch-2"])
                    let users = Self.records(output, "users")
                    #expect(users.count == 3)
                    #expect(users["p-1001"]?["username"] as? String == "ada.lovelace")
                    #expect(users["p-1001"]?["role"] as? String == "student")
                    #expect(users["p-2001"]?["role"] as? String == "teacher")
                    #expect(users["p-2001"]?["orgSourcedIds"] as? String == "sch-2")
                    #expect(users["p-2001"]?["familyName"] as? String == "Hopper")
                }

                @Test func missingColumnStopsRun() throws {
                    let directory = try TemporaryDirectory()
                    let folder = directory.file("export")
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    try "person_id,school_id\np-1,sch-1\n".write(
                        toFile: folder + "/people.csv", atomically: true, encoding: .utf8)

                    let (status, output) = try Self.run(folder)

                    #expect(status == 2, "\(output)")
                    let error = output["error"] as? String ?? ""
                    #expect(error.contains("missing required column 'school_name'"), "\(output)")
                }
            }

            """#
    }
}
