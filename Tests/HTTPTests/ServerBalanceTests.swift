import Foundation
import Glibc
import Testing

@testable import HTTP

/// Opens `count` TCP connections to 127.0.0.1:`port` at once, then sends one keep-alive GET on each and returns
/// the response bodies. Each read waits at most five seconds.
private func requestOnFreshConnections(port: UInt16, count: Int) throws -> [String] {
    var sockets: [Int32] = []
    defer { for socket in sockets { close(socket) } }
    for _ in 0..<count {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPServerError.startFailed(host: "client", port: port) }
        sockets.append(descriptor)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw HTTPServerError.startFailed(host: "client", port: port) }
    }
    var bodies: [String] = []
    let request = Array("GET /thread HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    for descriptor in sockets {
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard received > 0 else { continue }
        let text = String(decoding: buffer[..<received], as: UTF8.self)
        if let body = text.components(separatedBy: "\r\n\r\n").last { bodies.append(body) }
    }
    return bodies
}

@Suite(.serialized) struct ServerBalanceTests {
    /// Connections that arrive together are spread over the threads rather than all accepted by one.
    @Test func burstOfConnectionsUsesEveryThread() throws {
        var configuration = HTTPServerConfiguration()
        configuration.threadCount = 2
        let server = HTTPServer(
            port: 0, handler: { _ in .text("\(UInt(bitPattern: Int(bitPattern: pthread_self())))") },
            configuration: configuration)
        try server.start()
        defer { server.stop() }

        // The kernel picks a listening socket per connection by hashing its addresses, so ten connections all
        // land on one of two sockets with a chance of 1 in 512. Three tries make a false failure negligible.
        var threads: Set<String> = []
        for _ in 0..<3 where threads.count < 2 {
            let bodies = try requestOnFreshConnections(port: server.port, count: 10)
            #expect(bodies.count == 10)
            threads = Set(bodies)
        }
        #expect(threads.count == 2)
    }

    @Test func everyThreadListensOnThePort() throws {
        var configuration = HTTPServerConfiguration()
        configuration.threadCount = 3
        let server = HTTPServer(port: 0, handler: { _ in .text("ok") }, configuration: configuration)
        try server.start()
        #expect(server.port != 0)
        let bodies = try requestOnFreshConnections(port: server.port, count: 12)
        #expect(bodies == Array(repeating: "ok", count: 12))
        server.stop()
        #expect(server.port == 0)
    }
}
