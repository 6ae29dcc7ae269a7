import Foundation

/// A small district written as a OneRoster 1.1 package, for app view tests: a district with an elementary and a
/// high school, a computer-science and a math course, and students, teachers and an administrator.
struct AppFixtureDistrict {
    var orgs = [
        "dist,,,Brookfield District,district,,",
        "elem,,,Brookfield Elementary School,school,,dist",
        "high,,,Brookfield High School,school,,dist",
    ]
    var sessions = [
        "sy,,,2026-27,schoolYear,2026-08-01,2027-06-30,,2027",
        "fall,,,Fall 2026,semester,2026-08-01,2026-12-20,sy,2027",
        "old,,,Spring 2026,semester,2026-01-05,2026-06-05,,2026",
    ]
    var courses = [
        "cs,,,sy,Computer Science Principles,CSP,\"10,11\",high,Computer Science,",
        "math,,,sy,Grade 3 Math,M3,03,elem,Mathematics,",
    ]
    var classes = [
        "cs-1,,,CSP Period 1,10,cs,CSP-1,scheduled,Lab,high,\"fall,sy\",Computer Science,,1",
        "cs-old,,,CSP Spring,10,cs,CSP-0,scheduled,Lab,high,old,Computer Science,,2",
        "math-1,,,Math 3A,03,math,M3-A,scheduled,Room 4,elem,fall,Mathematics,,1",
    ]
    var users = [
        "s-1,,,true,high,student,jsmith,James,Smith,jsmith@example.org,555-0101,10,g-1",
        "s-2,,,true,high,student,mlee,Maria,Lee,mlee@example.org,,11,",
        "s-3,,,true,elem,student,tkim,Tom,Kim,tkim@example.org,,03,",
        "t-1,,,true,\"elem,high\",teacher,agarcia,Ana,Garcia,agarcia@example.org,555-0199,,",
        "t-2,,,true,elem,teacher,bnoor,Bilal,Noor,bnoor@example.org,,,",
        "a-1,,,true,high,administrator,pwong,Pat,Wong,pwong@example.org,,,",
        "g-1,,,true,high,guardian,rsmith,Rita,Smith,rsmith@example.org,,,",
    ]
    var enrollments = [
        "e-1,,,cs-1,high,s-1,student,,,",
        "e-2,,,cs-1,high,s-2,student,,,",
        "e-3,,,cs-1,high,t-1,teacher,true,,",
        "e-4,,,math-1,elem,s-3,student,,,",
        "e-5,,,math-1,elem,t-2,teacher,true,,",
        "e-6,,,cs-old,high,s-2,student,,,",
    ]

    /// Writes the package into `folder`, replacing what was there.
    func write(to folder: String) throws {
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files: [(String, String, [String])] = [
            ("orgs", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId", orgs),
            (
                "academicSessions",
                "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear", sessions
            ),
            (
                "courses",
                "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,"
                    + "subjectCodes", courses
            ),
            (
                "classes",
                "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
                    + "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods", classes
            ),
            (
                "users",
                "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,email,"
                    + "phone,grades,agentSourcedIds", users
            ),
            (
                "enrollments",
                "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
                    + "beginDate,endDate", enrollments
            ),
        ]
        var manifest = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
        for (name, header, rows) in files {
            try ([header] + rows).joined(separator: "\n").appending("\n")
                .write(toFile: "\(folder)/\(name).csv", atomically: true, encoding: .utf8)
            manifest += "file.\(name),bulk\n"
        }
        manifest += "file.demographics,absent\n"
        try manifest.write(toFile: folder + "/manifest.csv", atomically: true, encoding: .utf8)
    }
}

/// A temporary Rollbook setup with one district and one app whose mapping script the test writes.
final class AppTestSetup {
    let directory: TemporaryDirectory
    let package: String
    let connectors: String
    var district = AppFixtureDistrict()

    init() throws {
        directory = try TemporaryDirectory()
        package = directory.file("package")
        connectors = directory.file("connectors")
        try FileManager.default.createDirectory(atPath: connectors + "/apps", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: connectors + "/sis", withDestinationPath: Paths.root + "/connectors/sis")
        try district.write(to: package)
    }

    var config: String { directory.file("config.lua") }
    var storePath: String { directory.file("rollbook.sqlite") }

    /// Writes the mapping script `apps/<name>.lua`.
    func writeMapping(_ source: String, name: String = "vendor") throws {
        try source.write(toFile: "\(connectors)/apps/\(name).lua", atomically: true, encoding: .utf8)
    }

    /// Writes config.lua with the district `d` and the app `vendor`; `exports` is Lua for the app's exports list.
    func writeConfig(exports: String = "{}", mapping: String = "vendor", removedLimit: Double = 1.0) throws {
        let text = """
            store = "\(storePath)"
            connectors_dir = "\(connectors)"
            -- The tests remove records from a tiny district on purpose.
            safety = { removed = \(removedLimit) }
            districts = { { id = "d", connector = "oneroster_csv", settings = { path = "\(package)" } } }
            apps = { { id = "vendor", name = "Vendor", districts = { "d" }, mapping = "\(mapping)",
                exports = \(exports) } }
            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func sync() throws -> ProcessOutput {
        try runRollbook(["sync", "--config", config, "--json"])
    }

    /// Rewrites the package from `district`.
    func rewritePackage() throws {
        try district.write(to: package)
    }

    /// The `apps` entry of a sync's JSON output for the app.
    static func app(_ output: ProcessOutput) -> [String: Any]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
            let apps = object["apps"] as? [[String: Any]]
        else { return nil }
        return apps.first
    }

    static func counts(_ output: ProcessOutput, _ entity: String) -> [String: Int] {
        (app(output)?["counts"] as? [String: [String: Int]])?[entity] ?? [:]
    }
}
