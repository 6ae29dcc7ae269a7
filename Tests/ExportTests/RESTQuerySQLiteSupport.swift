import Export
import Foundation
import OneRoster
import TestFixtures

/// One row of the test users table, holding only the columns the tests filter or sort on.
struct UserRow: Sendable {
    var sourcedId: String
    var status: String
    var dateLastModified: String
    var role: String
    var givenName: String
    var familyName: String
    var email: String

    func value(of field: String) -> String? {
        switch field {
        case "sourcedId": return sourcedId
        case "status": return status
        case "dateLastModified": return dateLastModified
        case "role": return role
        case "givenName": return givenName
        case "familyName": return familyName
        case "email": return email
        default: return nil
        }
    }

    /// Thirty users with few distinct family names, so sorting by family name has many ties.
    static let sample: [UserRow] = (1...30).map { number in
        let id = number < 10 ? "u-0\(number)" : "u-\(number)"
        var row = UserRow(
            sourcedId: id,
            status: number % 5 == 0 ? "tobedeleted" : "active",
            dateLastModified: "2024-01-\(number < 10 ? "0" : "")\(number)T08:00:00.000Z",
            role: number % 3 == 0 ? "teacher" : "student",
            givenName: "Name\(number)",
            familyName: ["Ashby", "Brook", "Cole", "Dunn"][number % 4],
            email: "user\(number)@example.org")
        switch number {
        case 7: row.givenName = "Ann O'Brien"
        case 11: row.email = "50%_off@example.org"
        case 12: row.email = "50x_off@example.org"
        case 13: row.givenName = "'; DROP TABLE users; --"
        case 14: row.givenName = "Back\\slash \"quoted\""
        default: break
        }
        return row
    }
}

/// Runs compiled queries through the `sqlite3` command-line shell against a temporary users table.
struct SQLiteShell {
    static let path = "/usr/bin/sqlite3"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The users columns of OneRoster 1.1 and 1.2.
    static let userColumns: [String] = Schema.columns(of: .users).map(\.name)

    /// Maps each users column to `"v"."column"`, the table being aliased `v`.
    static let fieldMap: [String: String] = Dictionary(
        uniqueKeysWithValues: userColumns.map { ($0, "\"v\".\"\($0)\"") })

    let folder: TemporaryFolder
    let database: String

    /// Creates a database whose `users` table contains `rows`, with every other column blank.
    init(rows: [UserRow] = UserRow.sample) throws {
        folder = try TemporaryFolder()
        database = folder.file("users.sqlite")
        var script = "CREATE TABLE users (" + Self.userColumns.map { "\"\($0)\" TEXT" }.joined(separator: ", ") + ");\n"
        for row in rows {
            let values = Self.userColumns.map { Self.literal(row.value(of: $0) ?? "") }
            script += "INSERT INTO users VALUES (" + values.joined(separator: ", ") + ");\n"
        }
        _ = try run(script)
    }

    /// Creates a database from a users CSV file through the shell's `.import`.
    init(usersCSV: String) throws {
        folder = try TemporaryFolder()
        database = folder.file("users.sqlite")
        let header = try String(contentsOfFile: usersCSV, encoding: .utf8).prefix { $0 != "\n" && $0 != "\r" }
        let columns = header.split(separator: ",").map { "\"\($0)\" TEXT" }
        _ = try run(
            "CREATE TABLE users (\(columns.joined(separator: ", ")));\n.import --csv --skip 1 \(usersCSV) users\n")
    }

    /// Runs `compiled` and returns the sourcedIds of the page in order.
    func sourcedIds(_ compiled: CompiledQuery) throws -> [String] {
        var sql = "SELECT \"v\".\"sourcedId\" FROM users AS \"v\""
        if let condition = compiled.condition {
            sql += " WHERE \(condition)"
        }
        sql += " ORDER BY \(compiled.orderBy) LIMIT ? OFFSET ?;\n"

        var script = ".parameter init\n"
        for (index, value) in compiled.bindings.enumerated() {
            script += ".parameter set ?\(index + 1) \(Self.shellArgument(Self.literal(value)))\n"
        }
        script += ".parameter set ?\(compiled.bindings.count + 1) \(compiled.limit)\n"
        script += ".parameter set ?\(compiled.bindings.count + 2) \(compiled.offset)\n"
        script += sql
        return try run(script).split(separator: "\n").map(String.init)
    }

    /// Returns the number of rows in `users`, to show that no query dropped or changed the table.
    func rowCount() throws -> Int? {
        Int(try run("SELECT count(*) FROM users;\n").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Feeds `script` to the shell with `.bail on` and returns its standard output.
    func run(_ script: String) throws -> String {
        let input = try folder.write("script.sql", ".bail on\n.mode list\n.headers off\n" + script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = ["-batch", database]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, errorData.isEmpty else {
            throw FixtureError(
                "sqlite3 failed with status \(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Returns `value` as an SQL string literal with quotes doubled.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Wraps `text` as a double-quoted dot-command argument, which the shell reads with C escapes.
    static func shellArgument(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}

extension [UserRow] {
    /// Returns the sourcedIds matching `filter` in the order the compiler promises, computed in Swift.
    func expectedIds(filter: FilterExpression?, sort: String?, direction: SortDirection) -> [String] {
        let matching = self.filter { row in
            guard let filter else { return true }
            let results = filter.predicates.map { predicate in
                Self.matches(row.value(of: predicate.field) ?? "", predicate.op, predicate.value)
            }
            return filter.logicalOperator == .or ? results.contains(true) : results.allSatisfy { $0 }
        }
        let sorted = matching.sorted { left, right in
            let key = sort ?? "sourcedId"
            let leftKey = left.value(of: key) ?? ""
            let rightKey = right.value(of: key) ?? ""
            if leftKey != rightKey {
                let ascending = leftKey.utf8.lexicographicallyPrecedes(rightKey.utf8)
                return direction == .ascending ? ascending : !ascending
            }
            let ascending = left.sourcedId.utf8.lexicographicallyPrecedes(right.sourcedId.utf8)
            return sort == nil && direction == .descending ? !ascending : ascending
        }
        return sorted.map(\.sourcedId)
    }

    private static func matches(_ field: String, _ op: FilterOperator, _ value: String) -> Bool {
        let fieldBytes = [UInt8](field.utf8)
        let valueBytes = [UInt8](value.utf8)
        switch op {
        case .equal: return fieldBytes == valueBytes
        case .notEqual: return fieldBytes != valueBytes
        case .greater: return valueBytes.lexicographicallyPrecedes(fieldBytes)
        case .greaterOrEqual: return !fieldBytes.lexicographicallyPrecedes(valueBytes)
        case .less: return fieldBytes.lexicographicallyPrecedes(valueBytes)
        case .lessOrEqual: return !valueBytes.lexicographicallyPrecedes(fieldBytes)
        case .contains: return value.isEmpty || field.contains(value)
        }
    }
}
