import COpenSSL
import Foundation
import OneRoster
import Scripting
import Store

/// The outcome of bringing an app's view of a district up to date.
public struct AppViewResult: Sendable {
    public var app: String
    public var district: String
    /// The app run, or nil when the view was already up to date or there was no snapshot yet.
    public var run: AppRun?
    /// The reason the view could not be built; the previous view was left as it was.
    public var error: String?
    /// The first mapping errors of single records, each with script, line and sourcedId.
    public var recordErrors: [String] = []
    public var recordErrorCount = 0
}

/// Builds app views from published snapshots, one app and district at a time, each in its own transaction.
struct AppMaterializer {
    let config: Config
    let logger: Logger

    /// Returns the mapping script of an app, checking that it exists.
    static func mappingScript(of app: AppConfig, config: Config) throws -> String {
        let script = (config.connectorsDirectory as NSString).appendingPathComponent("apps/\(app.mapping).lua")
        guard FileManager.default.fileExists(atPath: script) else {
            throw ConfigError(
                file: config.path,
                message: "app '\(app.id)': mapping '\(app.mapping)' not found at \(script); write it, or set "
                    + "connectors_dir to the folder that holds apps/\(app.mapping).lua")
        }
        return script
    }

    /// Loads an app's mapping in a fresh sandbox that may read no files. Returns it with its digest: a SHA-256 of
    /// the script's bytes and the Rollbook version, so that editing the script redoes the view on the next run.
    func loadMapping(_ app: AppConfig) throws -> (AppMapping, String) {
        let script = try AppMaterializer.mappingScript(of: app, config: config)
        let runtime = try LuaRuntime(
            configuration: LuaRuntime.Configuration(
                instructionLimit: 50_000_000_000,
                logger: ScriptLogBridge(logger: logger.with(["app": app.id, "mapping": app.mapping]))))
        let mapping = try AppMapping.load(path: script, runtime: runtime)
        let bytes = FileManager.default.contents(atPath: script) ?? Data()
        return (mapping, AppMaterializer.digest(Data("rollbook \(Application.version)\n".utf8) + bytes))
    }

    static func digest(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = data.withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil)
        }
        guard status == 1 else { return "unhashed:\(data.count)" }
        return "sha256:" + digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// Brings the app's view of the district up to date with its last published snapshot. Does nothing when the
    /// view was built with the same mapping and no run published since changed a record.
    func refresh(_ app: AppConfig, district: String, store: SnapshotStore) -> AppViewResult {
        var result = AppViewResult(app: app.id, district: district)
        do {
            guard let baseRun = try store.lastPublishedRun(district: district) else { return result }
            let (mapping, digest) = try loadMapping(app)
            let previous = try store.lastAppRun(app: app.id, district: district)
            // A view with mapping errors is built again, so that the errors are reported until they are fixed.
            if let previous, previous.mapping == digest, previous.errors.isEmpty,
                try previous.baseRun == baseRun
                    || nothingPublished(district, after: previous.baseRun, upTo: baseRun, store)
            {
                return result
            }
            let builder = try store.database.transaction {
                try build(
                    app, district: district, baseRun: baseRun, mapping: mapping, digest: digest,
                    previous: previous, store: store, state: .committed)
            }
            result.run = try store.lastAppRun(app: app.id, district: district)
            result.recordErrors = builder.errors.map(\.description)
            result.recordErrorCount = builder.errorCount
            for error in builder.errors {
                logger.warning("mapping left out a record", ["app": app.id, "district": district, "error": "\(error)"])
            }
        } catch {
            result.error = "\(error)"
            logger.error("app view not built", ["app": app.id, "district": district, "error": "\(error)"])
        }
        return result
    }

    /// Returns whether the runs published after `after` changed no record, as a run with unchanged input does.
    private func nothingPublished(_ district: String, after: Int64, upTo: Int64, _ store: SnapshotStore) throws -> Bool
    {
        guard let totals = try PublishedChanges.sum(district: district, after: after, upTo: upTo, store: store) else {
            return false
        }
        return totals.values.allSatisfy { $0.created + $0.updated + $0.removed + $0.restored == 0 }
    }

    /// Builds the view in a transaction that is rolled back, and calls `inspect` before the rollback so that
    /// it can read the would-be view. The previous view and the app runs stay as they were.
    func preview<T>(
        _ app: AppConfig, district: String, store: SnapshotStore,
        inspect: (AppRun, ViewBuilder, Int64) throws -> T
    ) throws -> T? {
        guard let baseRun = try store.lastPublishedRun(district: district) else { return nil }
        let (mapping, digest) = try loadMapping(app)
        let previous = try store.lastAppRun(app: app.id, district: district)
        try store.database.begin()
        defer { try? store.database.rollback() }
        let builder = try build(
            app, district: district, baseRun: baseRun, mapping: mapping, digest: digest, previous: previous,
            store: store, state: .preview)
        guard let run = try store.appRuns(app: app.id, district: district, limit: 1).first else { return nil }
        return try inspect(run, builder, try store.appNumber(app.id))
    }

    private func build(
        _ app: AppConfig, district: String, baseRun: Int64, mapping: AppMapping, digest: String, previous: AppRun?,
        store: SnapshotStore, state: AppRunState
    ) throws -> ViewBuilder {
        let number = try store.appNumber(app.id)
        let runId = try store.beginAppRun(app: app.id, district: district, baseRun: baseRun, mapping: digest)
        let writer = AppViewWriter(store: store, app: number, district: district, run: runId)
        let builder = ViewBuilder(
            mapping: mapping, writer: writer, store: store, previous: previous, digest: digest,
            today: AppMaterializer.today(), baseRun: baseRun)
        try builder.build()
        try store.finishAppRun(
            id: runId, state: state, counts: builder.counts, whole: builder.whole,
            errors: builder.errors.map(\.description))
        return builder
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}
