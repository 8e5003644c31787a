import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The HTTP side shared by both caches: one client, requests signed by the cache, bodies streamed
/// from and to files, and retries of what may pass on a second try (no answer, 5xx, 429).
final class CacheTransport: Sendable {
    /// A request body that can be made again for each attempt.
    enum Body: Sendable {
        case none
        case data(Data)
        case file(String, bytes: Int64)
    }

    /// A request about to go out: the cache adds its authorization.
    struct Outgoing: Sendable {
        var method: HTTPMethod
        var url: URLComponents
        var headers: [(String, String)]
        var payloadHash: String
    }

    let client: HTTPClient
    let name: String
    let authorize: @Sendable (inout Outgoing) -> Void
    let attempts = 4

    init(name: String, authorize: @escaping @Sendable (inout Outgoing) -> Void) {
        self.name = name
        self.authorize = authorize
        client = Self.sharedClient
    }

    func shutdown() async {}

    /// One client for the process, never shut down (a static is never deinitialised). A refused
    /// connection fails at once instead of being retried by the pool until the deadline: the
    /// retries here decide.
    private static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        // As many connections to the cache as transfers at once (a run's --concurrency goes up to
        // 64); with the default of 8, half the transfers of a restore at --concurrency 16 waited.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        // A redirect is never followed: its target may be another origin, and each request carries
        // the cache's credentials (a bearer token, basic auth, S3's signature and session token).
        // The 3xx answer is reported instead.
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Sends the request (again after a pause while the answer says it may pass) and hands the
    /// response to `handle`; transport failures past the last attempt are `unreachable`.
    func perform<T: Sendable>(
        _ method: HTTPMethod, _ url: URLComponents, headers: [(String, String)] = [], body: Body = .none, payloadHash: String,
        _ handle: @Sendable (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await client.execute(try request(method, url, headers: headers, body: body, payloadHash: payloadHash), timeout: .minutes(30))
                let code = response.status.code
                if (code >= 500 || code == 429) && attempt < attempts {
                    _ = try? await response.body.collect(upTo: 1 << 20)
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                return try await handle(response)
            } catch let error as CacheError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if attempt < attempts && !Task.isCancelled {
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                throw CacheError(.unreachable, cache: name, "cannot reach it (\(Self.describe(error)))")
            }
        }
    }

    static func pause(_ attempt: Int) -> Duration { .milliseconds(250 * (1 << attempt)) }

    /// The error's kind, never a header or a URL with user info.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// The address (without user info) and the headers of a request, authorized by the cache;
    /// `content-length` is signed but left to the client to send.
    func prepared(_ method: HTTPMethod, _ url: URLComponents, headers: [(String, String)], body: Body, payloadHash: String) throws -> (String, HTTPHeaders) {
        var outgoing = Outgoing(method: method, url: url, headers: headers, payloadHash: payloadHash)
        switch body {
        case .none: break
        case .data(let data): outgoing.headers.append(("content-length", String(data.count)))
        case .file(_, let bytes): outgoing.headers.append(("content-length", String(bytes)))
        }
        guard Self.isPlainPath(url.path) else {
            throw CacheError(.corrupted, cache: name, "refused to send a request for a path with '.', '..' or control characters in it")
        }
        authorize(&outgoing)
        var plain = outgoing.url
        plain.user = nil
        plain.password = nil
        guard let address = plain.string else { throw CacheError(.configuration, cache: name, "cannot form a request URL") }
        return (address, HTTPHeaders(outgoing.headers.filter { $0.0.lowercased() != "content-length" }))
    }

    private func request(_ method: HTTPMethod, _ url: URLComponents, headers: [(String, String)], body: Body, payloadHash: String) throws -> HTTPClientRequest {
        let (address, signed) = try prepared(method, url, headers: headers, body: body, payloadHash: payloadHash)
        var request = HTTPClientRequest(url: address)
        request.method = method
        request.headers = signed
        switch body {
        case .none: break
        case .data(let data): request.body = .bytes(ByteBuffer(bytes: data))
        case .file(let path, let bytes): request.body = .stream(FileChunks(path: path), length: .known(bytes))
        }
        return request
    }

    /// Whether a path has no `.` or `..` segment and no control character: what a record names
    /// is never let out of the cache's root.
    static func isPlainPath(_ path: String) -> Bool {
        !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
            && !path.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// A small answer's body (records, claims, error documents).
    static func collect(_ response: HTTPClientResponse, limit: Int = 1 << 20) async throws -> Data {
        Data(buffer: try await response.body.collect(upTo: limit))
    }

    /// Lowercase hex of a digest.
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A file read in 256 KiB chunks as it is sent: an upload never holds the clip in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?

        mutating func next() async throws -> ByteBuffer? {
            guard let handle else { throw CocoaError(.fileReadNoSuchFile) }
            guard let data = try handle.read(upToCount: 256 << 10), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
