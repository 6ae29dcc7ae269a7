import OneRoster

/// The destination of a connector's records: the host's record intake, called synchronously from Lua.
///
/// An error thrown here becomes a Lua error in the script, at the line of the `ctx.emit` call.
public protocol ConnectorSink: AnyObject {
    /// Receives one record of a OneRoster kind such as `users`, as the script built it.
    func emit(kind: String, record: LuaValue) throws
    /// Receives one record with the script's options table, such as `{ mode = "delta" }`, or an empty map.
    func emit(kind: String, record: LuaValue, options: LuaValue) throws
    /// Receives a whole file for the host to ingest natively. `path` is resolved and inside the
    /// allowed roots. `options` is the script's options table, or an empty map when absent.
    func emitFile(kind: String, path: String, options: LuaValue) throws
    /// Receives findings a host function made for the run's report, such as a package's layout notes.
    func report(_ diagnostics: [Diagnostic])
    /// Receives an error finding about a source record the connector left out, which counts as one rejected
    /// record of `entity`. The finding's sourcedId, when set, names the record, so its stored version is kept.
    func reportRejected(_ diagnostic: Diagnostic, entity: Entity)
}

extension ConnectorSink {
    /// Forwards a record without options to `emit(kind:record:)`, and rejects any option, because a sink that
    /// does not implement this method cannot apply one.
    public func emit(kind: String, record: LuaValue, options: LuaValue) throws {
        if case .map(let entries) = options, !entries.isEmpty {
            throw ConnectorSinkError(description: "this host does not accept emit options")
        }
        try emit(kind: kind, record: record)
    }

    /// Drops the findings: the default for sinks that keep no report.
    public func report(_ diagnostics: [Diagnostic]) {}

    /// Passes the finding to `report(_:)`: the default for sinks that keep no counts.
    public func reportRejected(_ diagnostic: Diagnostic, entity: Entity) {
        report([diagnostic])
    }
}

/// What `check` and `sync` run with: the sink for records and the state saved from the last run.
public struct ConnectorContext {
    public var sink: ConnectorSink
    /// The `ctx.state` table as the previous successful run left it.
    public var state: [String: LuaValue]

    public init(sink: ConnectorSink, state: [String: LuaValue] = [:]) {
        self.sink = sink
        self.state = state
    }
}

/// The records an export script reads through `ctx.records(kind)`: those its delivery sends.
public protocol ExportRecordSource: AnyObject {
    /// Returns the records of an entity, each with its fields by name; removed records carry only sourcedId,
    /// `status = "tobedeleted"` and dateLastModified.
    func records(_ entity: Entity) throws -> [Record]
}

/// An emit call that a sink cannot apply.
public struct ConnectorSinkError: Error, CustomStringConvertible {
    public let description: String
}
