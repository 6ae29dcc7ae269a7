import Testing

@testable import Scripting

/// `rollbook.library`, which loads code that several connectors share from `connectors/lib`.
struct LibraryTests {
    private func load(_ source: String, library: String? = nil) throws -> Connector {
        let directory = try TemporaryDirectory()
        if let library { _ = try directory.write("connectors/lib/shared.lua", library) }
        let path = try directory.write("connectors/sis/uses.lua", source)
        return try Connector.load(path: path, runtime: try LuaRuntime(configuration: .init()))
    }

    private func connector(requiring name: String) -> String {
        """
        local shared = rollbook.library("\(name)")
        return { name = "uses", version = shared.version, description = "d", settings = {},
            check = function() end, sync = function() end }
        """
    }

    @Test func libraryValueReachesScript() throws {
        let connector = try load(connector(requiring: "shared"), library: "return { version = '2.0.0' }")
        #expect(connector.version == "2.0.0")
    }

    @Test func missingLibraryNamesFile() throws {
        #expect {
            _ = try load(connector(requiring: "absent"))
        } throws: { error in
            "\(error)".contains("connectors/lib/absent.lua") && "\(error)".contains("cannot read the script")
        }
    }

    @Test func badNameIsRejected() throws {
        #expect {
            _ = try load(connector(requiring: "../sis/uses"), library: "return {}")
        } throws: { error in
            "\(error)".contains("a library name of lowercase letters, digits and '_'")
        }
    }

    @Test func libraryErrorNamesLibraryLine() throws {
        #expect {
            _ = try load(connector(requiring: "shared"), library: "local x = nil\nreturn x.field")
        } throws: { error in
            "\(error)".contains("shared.lua") && "\(error)".contains("2")
        }
    }
}
