import CMicroHTTPD
import Glibc
import Synchronization

/// An HTTP/1.1 server over libmicrohttpd that passes each complete request to one handler.
///
/// Handlers run concurrently on the server's threads and must not block for long: each one holds a thread.
public final class HTTPServer: Sendable {
    /// The numeric IPv4 address the server listens on.
    public let host: String
    /// The limits and threading given at creation.
    public let configuration: HTTPServerConfiguration

    private let requestedPort: UInt16
    private let context: ServerContext
    private let daemon = Mutex<DaemonHandle>(DaemonHandle())

    /// Creates a stopped server; a `port` of 0 lets the system pick a free one when it starts.
    public init(
        host: String = "127.0.0.1", port: UInt16, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration()
    ) {
        self.host = host
        self.requestedPort = port
        self.configuration = configuration
        self.context = ServerContext(handler: handler, maxBodyBytes: configuration.maxBodyBytes)
    }

    deinit {
        stop()
    }

    /// The port the server listens on while started, or 0 when stopped.
    public var port: UInt16 {
        daemon.withLock { $0.port }
    }

    /// Binds the address and starts accepting connections.
    public func start() throws(HTTPServerError) {
        try daemon.withLock { (handle: inout DaemonHandle) throws(HTTPServerError) in
            guard handle.pointer == nil else { throw .alreadyStarted(port: handle.port) }

            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = requestedPort.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw .invalidAddress(host) }

            var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_ITC.rawValue
            if configuration.usesEpoll { flags |= MHD_USE_EPOLL_INTERNAL_THREAD.rawValue }
            let contextPointer = Unmanaged.passUnretained(context).toOpaque()
            let started = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    rb_mhd_start_daemon(
                        flags, socketAddress, accessHandler, contextPointer, completionHandler, contextPointer,
                        uriLogger, contextPointer, UInt32(clamping: max(1, configuration.threadCount)),
                        UInt32(clamping: max(1, configuration.maxConnections)),
                        UInt32(clamping: max(0, configuration.requestTimeoutSeconds)))
                }
            }
            guard let started else { throw .startFailed(host: host, port: requestedPort) }
            handle.pointer = started
            handle.port = rb_mhd_bound_port(started)
        }
    }

    /// Stops accepting connections, waits for requests in flight to finish, then closes every connection.
    ///
    /// The wait is bounded by `drainTimeoutSeconds`. Idle keep-alive connections are closed without waiting.
    public func stop() {
        let running = daemon.withLock { (handle: inout DaemonHandle) -> OpaquePointer? in
            defer { handle = DaemonHandle() }
            return handle.pointer
        }
        guard let running else { return }

        // Quiescing hands the listening socket to the caller, who must close it.
        let listener = MHD_quiesce_daemon(running)
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(configuration.drainTimeoutSeconds * 1000)))
        while context.requestsInFlight.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            usleep(2000)
        }
        MHD_stop_daemon(running)
        if listener >= 0 { close(listener) }
    }
}

/// The daemon pointer and bound port, guarded by the server's mutex.
private struct DaemonHandle: @unchecked Sendable {
    var pointer: OpaquePointer?
    var port: UInt16 = 0
}
