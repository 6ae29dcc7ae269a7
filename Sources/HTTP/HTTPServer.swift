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
    ///
    /// Each thread runs a daemon of its own on a listening socket of its own, all bound to one port with
    /// SO_REUSEPORT, so the kernel spreads new connections over the threads. One daemon with a thread pool shares
    /// one listening socket, and the thread that wakes first accepts up to ten waiting connections at once. A
    /// client that opens its few keep-alive connections together, such as a load balancer, would then keep one
    /// thread busy while the others idle.
    public func start() throws(HTTPServerError) {
        try daemon.withLock { (handle: inout DaemonHandle) throws(HTTPServerError) in
            guard handle.pointers.isEmpty else { throw .alreadyStarted(port: handle.port) }

            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = requestedPort.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw .invalidAddress(host) }

            var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_ITC.rawValue
            if configuration.usesEpoll { flags |= MHD_USE_EPOLL_INTERNAL_THREAD.rawValue }
            let contextPointer = Unmanaged.passUnretained(context).toOpaque()
            let threads = max(1, configuration.threadCount)
            let limit = UInt32(clamping: max(1, configuration.maxConnections / threads))
            var started: [OpaquePointer] = []
            for index in 0..<threads {
                // The first daemon may pick a free port; the others bind the port it got.
                if index == 1 { address.sin_port = handle.port.bigEndian }
                let pointer = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                        rb_mhd_start_daemon(
                            flags, socketAddress, accessHandler, contextPointer, completionHandler, contextPointer,
                            uriLogger, contextPointer, 0, limit,
                            UInt32(clamping: max(0, configuration.requestTimeoutSeconds)), threads > 1 ? 1 : 0)
                    }
                }
                guard let pointer else {
                    for running in started { MHD_stop_daemon(running) }
                    throw .startFailed(host: host, port: index == 0 ? requestedPort : handle.port)
                }
                started.append(pointer)
                if index == 0 { handle.port = rb_mhd_bound_port(pointer) }
            }
            handle.pointers = started
        }
    }

    /// Stops accepting connections, waits for requests in flight to finish, then closes every connection.
    ///
    /// The wait is bounded by `drainTimeoutSeconds`. Idle keep-alive connections are closed without waiting.
    public func stop() {
        let running = daemon.withLock { (handle: inout DaemonHandle) -> [OpaquePointer] in
            defer { handle = DaemonHandle() }
            return handle.pointers
        }
        guard !running.isEmpty else { return }

        // Quiescing hands each listening socket to the caller, who must close it.
        let listeners = running.map { MHD_quiesce_daemon($0) }
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(configuration.drainTimeoutSeconds * 1000)))
        while context.requestsInFlight.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            usleep(2000)
        }
        for daemon in running { MHD_stop_daemon(daemon) }
        for listener in listeners where listener >= 0 { close(listener) }
    }
}

/// The daemon pointer and bound port, guarded by the server's mutex.
private struct DaemonHandle: @unchecked Sendable {
    var pointers: [OpaquePointer] = []
    var port: UInt16 = 0
}
