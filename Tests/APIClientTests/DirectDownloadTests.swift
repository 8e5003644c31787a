import Foundation
import Testing

@testable import VeoClient

// MARK: - Downloading from video_url

@Suite struct DirectDownloadTests {
    /// An MP4 answer of `total` bytes.
    static func clip(_ total: Int) -> ScriptedReply {
        .stream(head: "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: \(total)\r\nConnection: close\r\n\r\n",
                prefix: mp4Start, total: total, chunked: false)
    }

    /// A storage server on another origin (another port) answering `storage(n)`.
    func withStorage<T: Sendable>(
        _ storage: @escaping @Sendable (Int) -> ScriptedReply, _ body: (ScriptedServer, ScriptedServer, VideoAPIClient) async throws -> T
    ) async throws -> T {
        let other = try await ScriptedServer(reply: { n, _ in storage(n) })
        do {
            let result = try await withScriptedClient(replies: { _, _ in Self.clip(2048) }) {
                api, client in try await body(api, other, client)
            }
            await other.stop()
            return result
        } catch {
            await other.stop()
            throw error
        }
    }

    @Test func videoURLIsUsedAndTheKeyStaysHome() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withStorage({ _ in Self.clip(4096) }) { api, storage, client in
            let video = VideoObject(id: "video_1", status: .completed, videoURL: storage.baseURL + "/clips/video_1.mp4?sig=abc")
            let result = try await client.download(video, to: directory + "/out.mp4")
            #expect(result.bytes == 4096)
            #expect(api.requestCount == 0)
            #expect(storage.requestCount == 1)
            let sent = storage.box.texts.withLock { $0 }.joined()
            #expect(sent.hasPrefix("GET /clips/video_1.mp4?sig=abc "))
            #expect(!sent.lowercased().contains("authorization"))
            #expect(!sent.contains(testKey))
        }
    }

    @Test func aFailingVideoURLFallsBackToContent() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withStorage({ _ in .raw(httpResponse("403 Forbidden", body: "expired")) }) { api, storage, client in
            let video = VideoObject(id: "video_1", status: .completed, videoURL: storage.baseURL + "/clips/video_1.mp4")
            let result = try await client.download(video, to: directory + "/out.mp4")
            #expect(result.bytes == 2048)
            #expect(storage.requestCount == 1)
            #expect(api.requestCount == 1)
            let sent = api.box.texts.withLock { $0 }.joined()
            #expect(sent.hasPrefix("GET /v1/videos/video_1/content "))
            #expect(sent.contains("Bearer \(testKey)"))
            #expect(!storage.box.texts.withLock { $0 }.joined().contains(testKey))
        }
    }

    @Test func aVideoURLOnTheAPIsOwnOriginCarriesTheKey() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(replies: { _, _ in Self.clip(1024) }) { api, client in
            let video = VideoObject(id: "video_1", status: .completed, videoURL: api.baseURL + "/files/video_1.mp4")
            _ = try await client.download(video, to: directory + "/out.mp4")
            let sent = api.box.texts.withLock { $0 }.joined()
            #expect(api.requestCount == 1)
            #expect(sent.hasPrefix("GET /files/video_1.mp4 "))
            #expect(sent.contains("Bearer \(testKey)"))
        }
    }

    @Test(arguments: ["file:///etc/passwd", "not a url", "ftp://example.com/x.mp4"])
    func aVideoURLThatIsNotHTTPIsIgnored(url: String) async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(replies: { _, _ in Self.clip(1024) }) { api, client in
            _ = try await client.download(VideoObject(id: "video_1", status: .completed, videoURL: url), to: directory + "/out.mp4")
            #expect(api.box.texts.withLock { $0 }.joined().hasPrefix("GET /v1/videos/video_1/content "))
        }
    }
}
