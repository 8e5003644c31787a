import Foundation
import Synchronization

/// A hostile HTTP/1.1 cache on a free loopback port, for the shared-cache tests: every request is
/// logged (method, path, headers) and answered as the test scripts it, with answers no honest
/// cache gives (a poisoned record, HTML as a clip, a body that never ends, one that trickles, a
/// redirect to another origin). One request per connection (`Connection: close`); a thread per
/// connection, so a trickling answer blocks nothing else.
final class HostileServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names lowercased.
        var headers: [String: String]
    }

    enum Reply: Sendable {
        case answer(status: Int, headers: [String: String] = [:], body: Data = Data())
        /// 200 with the body's full `Content-Length`, then the body one byte every `interval` seconds.
        case trickle(body: Data, interval: Double)
        /// 200 with no length (the body ends when the connection closes): zeros, up to `bytes`.
        case flood(bytes: Int64)
    }

    let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let log = Mutex<[Request]>([])
    private let sent = Mutex<Int64>(0)

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { log.withLock { $0 } }
    /// Body bytes the kernel took from this server so far (all answers).
    var bodyBytesSent: Int64 { sent.withLock { $0 } }

    private init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(listener, 64) == 0 else { throw HarnessError("the hostile server cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `body` with a started server; always stops it.
    static func with<T>(_ handler: @escaping @Sendable (Request) -> Reply, _ body: (HostileServer) async throws -> T) async throws -> T {
        let server = try HostileServer(handler)
        Thread.detachNewThread { server.acceptLoop() }
        defer { server.stop() }
        return try await body(server)
    }

    private func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread { self.serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let request = Self.readRequest(connection) else { return }
        log.withLock { $0.append(request) }
        switch handler(request) {
        case .answer(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) Hostile\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            guard send(connection, Data((head + "\r\n").utf8)) else { return }
            if request.method != "HEAD" { _ = send(connection, body, counted: true) }
        case .trickle(let body, let interval):
            guard send(connection, Data("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)) else { return }
            for byte in body {
                guard send(connection, Data([byte]), counted: true) else { return }
                usleep(useconds_t(interval * 1_000_000))
            }
        case .flood(let bytes):
            guard send(connection, Data("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".utf8)) else { return }
            let chunk = Data(count: 64 << 10)
            var left = bytes
            while left > 0 {
                let part = left >= Int64(chunk.count) ? chunk : chunk.prefix(Int(left))
                guard send(connection, part, counted: true) else { return }
                left -= Int64(part.count)
            }
        }
    }

    /// Sends all of `data` (never raising SIGPIPE); false once the client has gone.
    private func send(_ fd: Int32, _ data: Data, counted: Bool = false) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                offset += n
                if counted { sent.withLock { $0 += Int64(n) } }
            }
            return true
        }
    }

    /// The request line and headers; a body (its `Content-Length`) is read and dropped.
    private static func readRequest(_ fd: Int32) -> Request? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
        let end = buffer.range(of: separator)!
        let lines = String(decoding: buffer[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines[0].split(separator: " ")
        guard first.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var left = (Int(headers["content-length"] ?? "0") ?? 0) - (buffer.count - end.upperBound)
        while left > 0 {
            let n = recv(fd, &chunk, min(chunk.count, left), 0)
            guard n > 0 else { break }
            left -= n
        }
        return Request(method: String(first[0]), path: String(first[1]), headers: headers)
    }
}
