import CLua
import Glibc
import HTTP

/// One sandboxed Lua 5.4 state for one run, with a memory cap, an instruction budget and the
/// `rollbook` host API.
///
/// A runtime is used from one thread at a time and is not `Sendable`. Lua calls block, so the
/// host runs them on a dedicated thread, never on Swift's cooperative pool.
public final class LuaRuntime {
    /// Limits and host services for a run.
    public struct Configuration {
        /// Maximum bytes the Lua state may allocate.
        public var memoryLimit: Int
        /// Maximum Lua VM instructions over the runtime's life, counted in steps of 1000.
        public var instructionLimit: Int64
        /// Directories whose files scripts may read; symbolic links are resolved before checking.
        public var allowedRoots: [String]
        /// Secret values by name. A script can read only those that its connector declares as secret.
        public var secrets: [String: String]
        /// Destination of `rollbook.log`, `ctx.log` and `print`.
        public var logger: ScriptLogger
        /// Retry and timeout policy for `rollbook.http.request`.
        public var http: HTTPPolicy
        /// Recorder or replay source that `rollbook.http.request` consults before the network; nil sends live.
        public var httpHook: (any HTTPExchangeHook)?
        /// Recorder or replay source that `rollbook.ldap.search` consults before the directory; nil searches live.
        public var ldapHook: (any LDAPSearchHook)?

        public init(
            memoryLimit: Int = 256 << 20, instructionLimit: Int64 = 2_000_000_000, allowedRoots: [String] = [],
            secrets: [String: String] = [:], logger: ScriptLogger = DiscardingLogger(), http: HTTPPolicy = HTTPPolicy(),
            httpHook: (any HTTPExchangeHook)? = nil, ldapHook: (any LDAPSearchHook)? = nil
        ) {
            self.memoryLimit = memoryLimit
            self.instructionLimit = instructionLimit
            self.allowedRoots = allowedRoots
            self.secrets = secrets
            self.logger = logger
            self.http = http
            self.httpHook = httpHook
            self.ldapHook = ldapHook
        }
    }

    let state: OpaquePointer
    let host: UnsafeMutablePointer<rb_lua_host>
    let configuration: Configuration
    let paths: PathPolicy
    /// Address of the `rollbook.json.null` userdata, compared by identity during conversion.
    var nullSentinel: UnsafeMutableRawPointer?
    /// The script whose code runs now; errors without a file of their own are reported against it.
    var currentScript = "(lua)"
    /// The folder `rollbook.library` loads from: `lib` beside the folder of the loaded script.
    var libraryFolder: String?
    /// Names the loaded connector declares with `secret = true`.
    var declaredSecrets: Set<String> = []
    /// Secret values given as settings, which take precedence over `configuration.secrets`.
    var settingSecrets: [String: String] = [:]
    /// The sink of the `check` or `sync` call in progress.
    var sink: ConnectorSink?
    /// The records of the `export` call in progress.
    var exportSource: ExportRecordSource?
    /// Open CSV iterators by handle, owned here so that Swift, not Lua, frees them.
    var iterators: [Int: RowIterator] = [:]
    var nextIteratorHandle = 1
    /// Tables on the path of the conversion in progress, for cycle detection.
    var conversionPath: [UnsafeRawPointer] = []

    /// Creates a state with the sandboxed standard libraries and the `rollbook` table.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        self.paths = try PathPolicy(roots: configuration.allowedRoots)
        host = UnsafeMutablePointer<rb_lua_host>.allocate(capacity: 1)
        host.initialize(to: rb_lua_host())
        host.pointee.limit = configuration.memoryLimit
        // NOTE: while Swift host code pushes values (an HTTP body, a decoded JSON document), the state
        // may exceed memoryLimit by up to this slack; the next allocation from Lua then fails.
        // A real malloc failure inside Swift code would still unwind through Swift frames.
        host.pointee.host_slack = 64 << 20
        host.pointee.instruction_limit = configuration.instructionLimit
        host.pointee.dispatch = luaHostDispatch
        guard let state = rb_lua_newstate(host) else {
            host.deallocate()
            throw ScriptError.memory(script: "(lua)", limit: configuration.memoryLimit)
        }
        self.state = state
        host.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        try installSandbox()
        try HostAPI.install(in: self)
    }

    deinit {
        // Finalizers that lua_close runs must not reach this object while it is being destroyed.
        host.pointee.owner = nil
        iterators.removeAll()
        lua_close(state)
        host.deallocate()
    }

    /// Bytes currently allocated by the Lua state.
    public var memoryInUse: Int { host.pointee.used }

    /// Instructions run so far, rounded to steps of 1000.
    public var instructionsUsed: Int64 { host.pointee.instructions }

    /// Runs a chunk of Lua source and returns its results.
    ///
    /// `name` is the script's path or label, used in error messages.
    public func run(source: String, name: String) throws -> [LuaValue] {
        var bytes = Array(source.utf8)
        return try run(bytes: &bytes, name: name)
    }

    /// Runs a Lua file and returns its results. The file is read by the host, not by Lua.
    public func run(path: String) throws -> [LuaValue] {
        var bytes = try readScript(path: path)
        return try run(bytes: &bytes, name: path)
    }

    func readScript(path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            let reason = String(cString: strerror(errno))
            throw ScriptError.io(script: path, message: "cannot read the script: \(reason)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
        }
        if ferror(file) != 0 {
            throw ScriptError.io(script: path, message: "cannot read the script: read error")
        }
        return bytes
    }

    /// Stack: leaves it as found.
    private func run(bytes: inout [UInt8], name: String) throws -> [LuaValue] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        try load(bytes: &bytes, name: name)
        try protectedCall(arguments: 0, results: LUA_MULTRET)
        var results: [LuaValue] = []
        let count = lua_gettop(state) - top
        if count > 0 {
            for index in (top + 1)...(top + count) {
                results.append(try value(at: index, context: "result"))
            }
        }
        return results
    }

    /// Compiles text (never a binary chunk) and pushes the function.
    ///
    /// Stack: pushes one function on success and nothing on failure.
    func load(bytes: inout [UInt8], name: String) throws {
        currentScript = name
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                luaL_loadbufferx(state, chars.baseAddress, chars.count, "@" + name, "t")
            }
        }
        if status == LUA_OK { return }
        defer { rb_lua_pop(state, 1) }
        if status == LUA_ERRMEM {
            throw ScriptError.memory(script: name, limit: configuration.memoryLimit)
        }
        let raw = rawString(at: -1) ?? "unknown error"
        let (line, message) = splitLocation(raw, script: name)
        throw ScriptError.syntax(script: name, line: line, message: message)
    }
}

extension LuaRuntime {
    /// Calls the global function `name` with `arguments` and returns its results.
    public func call(_ name: String, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        let type = withHostAllocation {
            _ = lua_checkstack(state, Int32(clamping: arguments.count + 4))
            lua_rawgeti(state, rb_lua_registryindex(), Int64(LUA_RIDX_GLOBALS))
            pushString(name)
            let type = lua_rawget(state, -2)
            rb_lua_remove(state, -2)
            for argument in arguments { push(argument) }
            return type
        }
        guard type == LUA_TFUNCTION else {
            throw ScriptError.contract(script: currentScript, message: "global '\(name)' is not a function")
        }
        try protectedCall(arguments: Int32(clamping: arguments.count), results: LUA_MULTRET)
        var results: [LuaValue] = []
        let count = lua_gettop(state) - top
        if count > 0 {
            for index in (top + 1)...(top + count) {
                results.append(try value(at: index, context: "result of '\(name)'"))
            }
        }
        return results
    }
}
