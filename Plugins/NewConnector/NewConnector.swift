import Foundation
import PackagePlugin

/// `swift package new-connector NAME`: writes connectors/sis/NAME.lua, a sample fixture, its expected counts and a
/// Swift test suite.
@main
struct NewConnector: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        guard arguments.count == 1, let name = arguments.first else {
            throw ScaffoldError(
                "expected one connector name, got \(arguments.count) arguments; "
                    + "run `swift package --allow-writing-to-package-directory new-connector NAME`")
        }
        try ConnectorScaffold.validate(name: name)

        let sis = context.package.directoryURL.appending(path: "connectors/sis")
        let tests = context.package.directoryURL.appending(path: "Tests/RuntimeTests")
        let scaffold = ConnectorScaffold(name: name, sisFolder: sis, testsFolder: tests)
        try scaffold.checkFree()
        try scaffold.write()

        print("Created \(scaffold.scriptURL.path)")
        for file in scaffold.fixtureFiles.keys.sorted() {
            print("Created \(scaffold.fixturesURL.appending(path: file).path)")
        }
        print("Created \(scaffold.testURL.path)")
        print("Try it with `rollbook connector run \(name) --fixtures \(scaffold.fixturesURL.path)`,")
        print("`swift package check-connectors \(name)` and `swift test --filter \(scaffold.testSuiteName)`.")
    }
}

/// A new connector's files: the script, a sample people.csv, the counts `check-connectors` expects and a test suite.
struct ConnectorScaffold {
    /// Maximum length of a connector name, which keeps file and folder names short.
    static let maximumNameLength = 64

    let name: String
    let sisFolder: URL
    let testsFolder: URL

    var scriptURL: URL { sisFolder.appending(path: "\(name).lua") }
    var fixturesURL: URL { sisFolder.appending(path: "fixtures/\(name)") }
    var testSuiteName: String { ScaffoldTemplates.testSuiteName(connector: name) }
    var testURL: URL { testsFolder.appending(path: "\(testSuiteName).swift") }

    /// File names in the fixtures folder, with their contents.
    var fixtureFiles: [String: String] {
        ["people.csv": ScaffoldTemplates.samplePeople, "expected.json": ScaffoldTemplates.expected(connector: name)]
    }

    /// Rejects a name that is empty, too long, or has a character other than ASCII letters, digits and underscore.
    static func validate(name: String) throws {
        guard !name.isEmpty, name.count <= maximumNameLength else {
            throw ScaffoldError(
                "connector name '\(name)' must have 1 to \(maximumNameLength) characters")
        }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_")
        }
        guard allowed else {
            throw ScaffoldError(
                "invalid connector name '\(name)'; use only ASCII letters, digits and underscore, such as 'my_sis'")
        }
    }

    /// Rejects the name when its script, fixtures folder or test file already exists, so nothing is overwritten.
    func checkFree() throws {
        for url in [scriptURL, fixturesURL, testURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ScaffoldError(
                "connector '\(name)' already exists: '\(url.path)' is present; choose another name "
                    + "or remove that file or folder first")
        }
    }

    /// Writes the fixtures folder, the test suite, then the script.
    func write() throws {
        try FileManager.default.createDirectory(at: fixturesURL, withIntermediateDirectories: true)
        for (file, contents) in fixtureFiles {
            try Data(contents.utf8).write(to: fixturesURL.appending(path: file), options: .withoutOverwriting)
        }
        try Data(ScaffoldTemplates.test(connector: name).utf8).write(to: testURL, options: .withoutOverwriting)
        let script = Data(ScaffoldTemplates.script(name: name).utf8)
        try script.write(to: scriptURL, options: .withoutOverwriting)
    }
}

/// An error that stops the plugin, printed as its message.
struct ScaffoldError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
