import Archive
import OneRoster

extension HostAPI {
    static let onerosterFunctions: [HostFunction] = [
        HostFunction(
            name: "oneroster.open", scope: .rollbook,
            signature: "rollbook.oneroster.open(path [, {version=}]) -> package | nil, message",
            summary: "Opens a OneRoster CSV package (a folder or a .zip), reads its manifest and returns "
                + "`{version=, source_system=, files={{entity=, name=, mode=}, ...}}`; layout and manifest findings "
                + "go to the run's report.",
            body: { call in
                let path = try call.string(1)
                let options = try call.optionalTable(2)
                var hint: OneRosterVersion?
                if let version = options?["version"] {
                    guard let text = version.stringValue, let value = OneRosterVersion(manifestValue: text) else {
                        throw LuaRaise("option 'version' must be \"1.1\" or \"1.2\"")
                    }
                    hint = value
                }
                let resolved: String
                switch try call.resolvePath(path) {
                case .success(let value): resolved = value
                case .failure(let failure): return call.failure(failure.description)
                }
                do {
                    let (package, notes) = try PackageSource.open(path: resolved)
                    let description = try PackageDescription(package: package, versionHint: hint)
                    call.runtime.sink?.report(notes + description.diagnostics)
                    return call.result(description.value)
                } catch {
                    return call.failure("\(error)")
                }
            })
    ]
}

/// What a package holds, as `rollbook.oneroster.open` returns it: the version and each rostering file's mode.
struct PackageDescription {
    var value: LuaValue
    var diagnostics: [Diagnostic] = []

    init(package: PackageSource, versionHint: OneRosterVersion?) throws {
        var manifest: Manifest?
        if let source = try package.manifestSource() {
            let (parsed, findings) = Manifest.parse(
                source: source, fileName: package.displayName(for: "manifest.csv"),
                presentEntities: package.presentEntities)
            manifest = parsed
            diagnostics += findings
        } else {
            diagnostics.append(
                Diagnostic(
                    .warning, rule: "manifest.missing", file: "manifest.csv",
                    message: "the package has no manifest.csv; every rostering file present is read as bulk"))
        }
        let version = manifest?.version ?? versionHint ?? PackageDescription.guessVersion(package)

        let known = Set(Entity.all(in: version).map { $0.fileName.lowercased() }).union(["manifest.csv"])
        for name in package.fileNames where name.lowercased().hasSuffix(".csv") && !known.contains(name.lowercased()) {
            let listed = Entity.all(in: version).map(\.fileName).joined(separator: ", ")
            diagnostics.append(
                Diagnostic(
                    .warning, rule: "package.unknown-file", file: package.displayName(for: name),
                    message: "\(name) is not a OneRoster \(version.rawValue) rostering file name, so it is not read; "
                        + "expected names are \(listed)"))
        }

        var files: [LuaValue] = []
        for entity in Entity.all(in: version) {
            let name = package.fileNames.first { Entity(fileName: $0) == entity }
            let present = name != nil
            var mode = manifest?.mode(for: entity) ?? (present ? .bulk : .absent)
            if mode == .absent, let name {
                if manifest != nil {
                    diagnostics.append(
                        Diagnostic(
                            .warning, rule: "manifest.absent-file-present", file: package.displayName(for: name),
                            message: "the manifest marks \(entity.manifestKey) absent, so \(name) is not read"))
                }
            } else if mode != .absent, !present {
                diagnostics.append(
                    Diagnostic(
                        .error, rule: "package.missing-file", file: entity.fileName,
                        message: "the manifest marks \(entity.manifestKey) \(mode.rawValue), but the package has no "
                            + "\(entity.fileName); stored \(entity.rawValue) are kept as they are"))
                mode = .absent
            }
            var file: [LuaKey: LuaValue] = ["entity": .string(entity.rawValue), "mode": .string(mode.rawValue)]
            if let name { file["name"] = .string(name) }
            files.append(.map(file))
        }
        var table: [LuaKey: LuaValue] = ["version": .string(version.rawValue), "files": .array(files)]
        if let system = manifest?.sourceSystemName { table["source_system"] = .string(system) }
        value = .map(table)
    }

    /// Guesses the binding of a package without a manifest: 1.2 when it has roles.csv or its users.csv lacks `role`.
    static func guessVersion(_ package: PackageSource) -> OneRosterVersion {
        if package.presentEntities.contains(.roles) { return .v1p2 }
        return .v1p1
    }
}
