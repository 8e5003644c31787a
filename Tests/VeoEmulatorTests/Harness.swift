import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VeoEmulator

/// How a test reaches the emulator.
enum Transport: Sendable {
    /// A real server on a free loopback port, and an HTTP client that does not follow redirects.
    case live
    /// No socket: requests go straight to the emulator's responder (HummingbirdTesting's
    /// `.router` framework). For what needs no real connection: validation, routing, most faults.
    case router
}

/// An emulator and a way to send it requests.
struct Harness: Sendable {
    let emulator: Emulator
    /// The base URL links in answers start with (`http://localhost` in memory).
    let base: String
    private let client: Client

    private enum Client: Sendable {
        case live(HTTPClient)
        case router(any TestClientProtocol)
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func configuration(
        renderSeconds: Double, _ configure: (inout EmulatorConfiguration) -> Void
    ) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.renderSeconds = renderSeconds
        configure(&configuration)
        return configuration
    }

    /// Runs `body` against a fresh emulator reached through `transport`, then stops it.
    static func with(
        _ transport: Transport = .live,
        renderSeconds: Double = 0.3,
        _ configure: (inout EmulatorConfiguration) -> Void = { _ in },
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let emulator = Emulator(configuration: configuration(renderSeconds: renderSeconds, configure))
        do {
            switch transport {
            case .live: try await live(emulator, body)
            case .router: try await inMemory(emulator, body)
            }
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
    }

    private static func live(_ emulator: Emulator, _ body: (Harness) async throws -> Void) async throws {
        let base = try await emulator.start()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow))
        do {
            try await body(Harness(emulator: emulator, base: base, client: .live(client)))
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private static func inMemory(_ emulator: Emulator, _ body: @Sendable (Harness) async throws -> Void) async throws {
        let app = try await emulator.application()
        try await app.test(.router) { client in
            try await body(Harness(emulator: emulator, base: "http://localhost", client: .router(client)))
        }
    }

    /// The HTTP client of a live harness, for tests that read a response as it streams.
    func httpClient() throws -> HTTPClient {
        guard case .live(let client) = client else { throw HarnessError.needsLiveTransport }
        return client
    }

    enum HarnessError: Error { case needsLiveTransport }

    func send(
        _ method: Verb, _ path: String, body: [UInt8]? = nil, contentType: String? = nil,
        auth: String? = "Bearer sk-test"
    ) async throws -> Reply {
        switch client {
        case .live(let client):
            var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
            request.method = .init(rawValue: method.rawValue)
            if let auth { request.headers.add(name: "Authorization", value: auth) }
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            if let body { request.body = .bytes(body) }
            let response = try await client.execute(request, timeout: .seconds(60))
            var bytes: [UInt8] = []
            for try await chunk in response.body { bytes += chunk.readableBytesView }
            return Reply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
        case .router(let client):
            var headers = HTTPFields()
            if let auth { headers[.authorization] = auth }
            if let contentType { headers[.contentType] = contentType }
            let response = try await client.executeRequest(
                uri: Self.pathAndQuery(path), method: HTTPRequest.Method(method.rawValue)!, headers: headers,
                body: body.map { ByteBuffer(bytes: $0) })
            return Reply(
                status: Int(response.status.code), headers: response.headers.map { ($0.name.rawName, $0.value) },
                body: Array(response.body.readableBytesView))
        }
    }

    /// `/path?query` of a URL or of a path.
    private static func pathAndQuery(_ url: String) -> String {
        guard url.hasPrefix("http"), let components = URLComponents(string: url) else { return url }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    func post(json: String, auth: String? = "Bearer sk-test") async throws -> Reply {
        try await send(.POST, "/v1/videos", body: Array(json.utf8), contentType: "application/json", auth: auth)
    }

    func post(multipart parts: [(name: String, filename: String?, bytes: [UInt8])]) async throws -> Reply {
        let boundary = "----veo-test-boundary-7MA4YWxkTrZu0gW"
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: image/png" }
            head += "\r\n\r\n"
            body += Array(head.utf8) + part.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await send(
            .POST, "/v1/videos", body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    /// Creates a job and returns its id.
    func create(
        prompt: String = "a lighthouse at dusk", seconds: Int = 4, size: String = "1280x720"
    ) async throws -> String {
        let reply = try await post(
            json: #"{"model":"veo-3.1-fast-generate-preview","prompt":"\#(prompt)","seconds":\#(seconds),"size":"\#(size)"}"#)
        try #require(reply.status == 200, "create answered \(reply.status): \(reply.text)")
        return try #require(reply.json["id"] as? String)
    }

    /// Polls until the job is terminal; returns every object seen.
    func pollUntilDone(_ id: String, timeout: Double = 60) async throws -> [Reply] {
        var seen: [Reply] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let reply = try await send(.GET, "/v1/videos/\(id)")
            seen.append(reply)
            if let status = reply.json["status"] as? String, status == "completed" || status == "failed" {
                return seen
            }
            try await Task.sleep(for: .milliseconds(40))
        }
        Issue.record("job \(id) did not finish within \(timeout) s")
        return seen
    }

    /// Downloads a completed job's clip (following the one redirect) into a temporary file.
    func download(_ id: String) async throws -> URL {
        let redirect = try await send(.GET, "/v1/videos/\(id)/content")
        try #require(redirect.status == 302, "content answered \(redirect.status): \(redirect.text)")
        let location = try #require(redirect.header("Location"))
        let file = try await send(.GET, location, auth: nil)
        try #require(file.status == 200)
        #expect(file.header("Content-Type") == "video/mp4")
        #expect(file.header("Content-Length") == String(file.body.count))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(id)-\(UUID().uuidString).mp4")
        try Data(file.body).write(to: url)
        return url
    }
}

enum Verb: String, CaseIterable { case GET, HEAD, POST, PUT, DELETE, PATCH }

enum Media {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("fake png body".utf8)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array("fake jpeg body".utf8)
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x10, 0, 0, 0] + Array("WEBPVP8 fake".utf8)

    static func sha256Hex(_ bytes: [UInt8]) async throws -> String {
        // Independent of the emulator's implementation: ask sha256sum.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let out = try await run("/usr/bin/sha256sum", [url.path])
        return String(out.prefix(64))
    }

    /// Width, height and duration per ffprobe.
    static func probe(_ url: URL) async throws -> (width: Int, height: Int, duration: Double) {
        let out = try await run(
            "/usr/bin/ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration",
             "-of", "json", url.path])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let stream = try #require((json["streams"] as? [[String: Any]])?.first)
        let format = try #require(json["format"] as? [String: Any])
        return (
            try #require(stream["width"] as? Int), try #require(stream["height"] as? Int),
            try #require(Double(format["duration"] as? String ?? ""))
        )
    }

    /// The first and the true last frame as PNG bytes.
    static func firstAndLastFrames(_ url: URL) async throws -> (first: [UInt8], last: [UInt8]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("first.png")
        let last = dir.appendingPathComponent("last.png")
        _ = try await run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-i", url.path, "-frames:v", "1", first.path])
        _ = try await run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-sseof", "-0.5", "-i", url.path, "-update", "1", last.path])
        return (Array(try Data(contentsOf: first)), Array(try Data(contentsOf: last)))
    }

    /// Runs a tool and returns its standard output. Waits for it without blocking a thread of
    /// the concurrency pool (on a 2-core machine two blocked threads stall every other test).
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        try #require(status == 0, "\(executable) \(arguments) failed")
        return String(decoding: try Data(contentsOf: output), as: UTF8.self)
    }
}
