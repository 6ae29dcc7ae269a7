import Foundation
import Testing

@testable import Scripting

@Suite struct CSVTests {
    private func runtime(root: String) throws -> LuaRuntime {
        try LuaRuntime(configuration: .init(allowedRoots: [root]))
    }

    @Test func rowsAreKeyedByHeader() throws {
        let directory = try TemporaryDirectory()
        try directory.write("users.csv", "sourcedId,givenName,note\nu1,Ana,\"a, b\"\nu2,Zoë,\n")
        let results = try runtime(root: directory.path).run(
            source: """
                local out = {}
                for row, number in rollbook.csv.rows("users.csv") do
                    out[#out + 1] = { number = number, id = row.sourcedId, name = row.givenName, note = row.note }
                end
                return out
                """, name: "csv.lua")
        let expected: LuaValue = .array([
            .object(["number": 2, "id": "u1", "name": "Ana", "note": "a, b"]),
            .object(["number": 3, "id": "u2", "name": "Zoë", "note": ""]),
        ])
        #expect(results == [expected])
    }

    @Test func windows1252Encoding() throws {
        let directory = try TemporaryDirectory()
        let bytes: [UInt8] = Array("name\nJos".utf8) + [0xE9] + Array("\n".utf8)
        #expect(FileManager.default.createFile(atPath: directory.path + "/w.csv", contents: Data(bytes)))
        let results = try runtime(root: directory.path).run(
            source: "for row in rollbook.csv.rows('w.csv', { encoding = 'windows-1252' }) do return row.name end",
            name: "csv.lua")
        #expect(results == ["José"])
    }

    @Test func invalidRowRaisesWithRow() throws {
        let directory = try TemporaryDirectory()
        let bytes: [UInt8] = Array("name\nok\nbad".utf8) + [0xFF] + Array("\n".utf8)
        #expect(FileManager.default.createFile(atPath: directory.path + "/bad.csv", contents: Data(bytes)))
        #expect {
            _ = try runtime(root: directory.path).run(
                source: "for row in rollbook.csv.rows('bad.csv') do end", name: "csv.lua")
        } throws: { error in
            let error = error as? ScriptError
            return error?.line == 1 && error?.message.contains("bad.csv") == true
        }
    }

    @Test func missingFileReturnsNilAndMessage() throws {
        let directory = try TemporaryDirectory()
        let results = try runtime(root: directory.path).run(
            source: "return rollbook.csv.rows('nope.csv')", name: "csv.lua")
        #expect(results == [.nil, "cannot open 'nope.csv': No such file or directory"])
    }

    @Test func pathOutsideRootRaises() throws {
        let directory = try TemporaryDirectory()
        try directory.write("inside/a.csv", "x\n1\n")
        try directory.write("outside.csv", "x\n1\n")
        #expect {
            _ = try runtime(root: directory.path + "/inside").run(
                source: "return rollbook.csv.rows('../outside.csv')", name: "csv.lua")
        } throws: { error in
            (error as? ScriptError)?.message.hasPrefix("path '../outside.csv' is outside the allowed roots") == true
        }
    }

    @Test func droppedIteratorIsReleased() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.csv", "x\n1\n2\n3\n")
        let lua = try runtime(root: directory.path)
        _ = try lua.run(
            source: "for row in rollbook.csv.rows('a.csv') do break end collectgarbage() collectgarbage()",
            name: "csv.lua")
        #expect(lua.iterators.isEmpty)
    }

    @Test func zipEntriesAndRows() throws {
        let directory = try TemporaryDirectory()
        let zipPath = directory.path + "/export.zip"
        let maker = Process()
        maker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        maker.arguments = [
            "python3", "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
                + "z.writestr('export/', '')\nz.writestr('export/users.csv', 'sourcedId,role\\nu1,student\\n')\n"
                + "z.writestr('export/orgs.csv', 'sourcedId\\no1\\n')\nz.close()",
            zipPath,
        ]
        try maker.run()
        maker.waitUntilExit()
        try #require(maker.terminationStatus == 0)

        let results = try runtime(root: directory.path).run(
            source: """
                local entries = rollbook.zip.entries("export.zip")
                local roles = {}
                for row in rollbook.csv.rows("export.zip", { entry = "export/users.csv" }) do
                    roles[#roles + 1] = row.role
                end
                local missing, err = rollbook.csv.rows("export.zip", { entry = "users.csv" })
                return entries, roles, missing, err
                """, name: "zip.lua")
        #expect(
            results == [
                .array([
                    .object(["name": "export/users.csv", "size": 26]),
                    .object(["name": "export/orgs.csv", "size": 13]),
                ]),
                .array(["student"]),
                .nil,
                "zip 'export.zip' has no entry 'users.csv'; it contains export/users.csv, export/orgs.csv",
            ])
    }
}

@Suite struct CSVHeaderTests {
    @Test func headerListsColumnsInOrder() throws {
        let directory = try TemporaryDirectory()
        try directory.write("users.csv", "sourcedId,givenName,note\n")
        let results = try LuaRuntime(configuration: .init(allowedRoots: [directory.path])).run(
            source: "return rollbook.csv.header('users.csv')", name: "csv.lua")
        #expect(results == [.array(["sourcedId", "givenName", "note"])])
    }

    @Test func headerOfEmptyFileFails() throws {
        let directory = try TemporaryDirectory()
        try directory.write("empty.csv", "")
        let results = try LuaRuntime(configuration: .init(allowedRoots: [directory.path])).run(
            source: "return rollbook.csv.header('empty.csv')", name: "csv.lua")
        #expect(results == [.nil, "'empty.csv' is empty; expected a header row"])
    }

    @Test func headerUnknownOptionRaises() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.csv", "x\n")
        #expect {
            _ = try LuaRuntime(configuration: .init(allowedRoots: [directory.path])).run(
                source: "return rollbook.csv.header('a.csv', { mode = 'bulk' })", name: "csv.lua")
        } throws: { error in
            (error as? ScriptError)?.message.contains("rollbook.csv.header: unknown option 'mode'") == true
        }
    }
}
