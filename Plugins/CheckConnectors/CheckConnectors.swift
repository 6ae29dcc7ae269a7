import Foundation
import PackagePlugin

/// `swift package check-connectors [NAME ...]`: runs each connector on its fixtures and compares the counts.
///
/// A fixtures folder under connectors/sis/fixtures takes part when it contains an expected.json that names its
/// connector. The plugin builds `rollbook`, runs `rollbook connector run NAME --fixtures DIR --json` for each
/// such folder and fails when an entity's accepted or rejected count differs from expected.json.
@main
struct CheckConnectors: CommandPlugin {
    /// Seconds one `connector run` may take before it is stopped and counted as failed.
    static let runTimeout: TimeInterval = 300

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let sis = context.package.directoryURL.appending(path: "connectors/sis")
        let selected = Set(arguments)
        let fixtures = try ExpectedCounts.load(in: sis.appending(path: "fixtures")).filter {
            selected.isEmpty || selected.contains($0.expected.connector)
        }
        let scripts = try FileManager.default.contentsOfDirectory(atPath: sis.path)
            .filter { $0.hasSuffix(".lua") }
            .map { String($0.dropLast(".lua".count)) }
            .filter { selected.isEmpty || selected.contains($0) }
            .sorted()
        let unknown = selected.subtracting(scripts)
        guard unknown.isEmpty else {
            throw CheckError(
                "no connector script for \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", ")) in "
                    + "\(sis.path); expected connectors/sis/NAME.lua")
        }

        // The build prints nothing until it ends, so tell the user what the wait is for.
        print("Building rollbook (debug) for the connector runs...")
        let binary = try buildRollbook()
        let runner = ConnectorRunner(
            binary: binary, packageDirectory: context.package.directoryURL,
            workDirectory: context.pluginWorkDirectoryURL, timeout: Self.runTimeout)

        var failures: [String] = []
        for script in scripts {
            let own = fixtures.filter { $0.expected.connector == script }
            if own.isEmpty {
                // A connector named on the command line must be checked; in a run of all of them, it is skipped.
                let message = "no fixtures folder with an expected.json names it"
                guard selected.isEmpty else {
                    print("\(script): FAILED, \(message)")
                    failures.append("\(script): \(message); add connectors/sis/fixtures/FOLDER/expected.json")
                    continue
                }
                print("\(script): skipped, \(message)")
                continue
            }
            for fixture in own {
                let folder = fixture.folder.lastPathComponent
                let mismatches: [String]
                do {
                    let actual = try runner.run(fixture)
                    mismatches = fixture.expected.mismatches(with: actual)
                } catch {
                    mismatches = ["\(error)"]
                }
                if mismatches.isEmpty {
                    print("\(script) (fixtures/\(folder)): ok, \(fixture.expected.summary)")
                } else {
                    print("\(script) (fixtures/\(folder)): FAILED")
                    for mismatch in mismatches { print("  \(mismatch)") }
                    print(
                        "  see why with `rollbook connector run \(script) --fixtures connectors/sis/fixtures/\(folder)`"
                    )
                    failures.append("\(script) (fixtures/\(folder)): " + mismatches.joined(separator: "; "))
                }
            }
        }
        guard failures.isEmpty else {
            for failure in failures { Diagnostics.error(failure) }
            throw CheckError("\(failures.count) connector fixture check(s) failed")
        }
    }

    /// Builds the `rollbook` product in the debug configuration and returns the executable's URL.
    private func buildRollbook() throws -> URL {
        let result = try packageManager.build(
            .product("rollbook"), parameters: PackageManager.BuildParameters(configuration: .debug, logging: .concise))
        guard result.succeeded else {
            print(result.logText)
            throw CheckError("building the rollbook product failed; see the build log above")
        }
        guard let binary = result.builtArtifacts.first(where: { $0.kind == .executable }) else {
            throw CheckError("the rollbook build succeeded but listed no executable")
        }
        return binary.url
    }
}

/// An error that stops the plugin, printed as its message.
struct CheckError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
