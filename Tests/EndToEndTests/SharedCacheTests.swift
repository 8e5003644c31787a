import Foundation
import Testing
import VeoCache
import VeoRunner

/// The S3 and HTTP caches against real servers (moto with signatures checked, nginx WebDAV).
@Suite(.serialized) struct SharedCacheClientTests {
    static func tempFile(_ bytes: Int) throws -> String {
        let path = NSTemporaryDirectory() + "veo-cache-" + UUID().uuidString
        try Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func roundTrip(_ cache: any RemoteCache) async throws {
        let file = try tempFile(700_000)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let sha = try Tools.sha256(file)
        #expect(try await cache.exists("cas/\(sha)") == false)
        try await cache.upload("cas/\(sha)", file: file, sha256: sha, contentType: "video/mp4")
        #expect(try await cache.exists("cas/\(sha)"))
        let back = file + ".back"
        defer { try? FileManager.default.removeItem(atPath: back) }
        let got = try #require(try await cache.download("cas/\(sha)", to: back))
        #expect(got.bytes == 700_000 && got.sha256 == sha)
        #expect(try await cache.download("cas/\(String(repeating: "1", count: 64))", to: back) == nil)
        #expect(try await cache.write("ac/k", Data("{\"a\":1}".utf8), contentType: "application/json", createOnly: true))
        #expect(try await cache.read("ac/k") == Data("{\"a\":1}".utf8))
        #expect(try await cache.read("ac/none") == nil)
    }

    @Test func s3StoresStreamsAndWritesCreateOnly() async throws {
        try await MotoS3.with { moto in
            let cache = try CacheLocation.open(moto.url, environment: moto.environment())
            try await cache.check()
            try await Self.roundTrip(cache)
            // The second create-only write of a key is refused (412), and the first body stays.
            #expect(try await cache.write("claims/k", Data("one".utf8), contentType: "application/json", createOnly: true))
            #expect(try await cache.write("claims/k", Data("two".utf8), contentType: "application/json", createOnly: true) == false)
            #expect(try await cache.read("claims/k") == Data("one".utf8))
        }
    }

    @Test func s3RefusesAWrongSecretAndNeverShowsIt() async throws {
        try await MotoS3.with { moto in
            let cache = try CacheLocation.open(moto.url, environment: moto.environment(secret: "WRONG-SECRET-value"))
            let error = await #expect(throws: CacheError.self) { try await cache.check() }
            #expect(error?.kind == .refused)
            #expect(error?.description.contains("s3://veo-cache/teamclips") == true)
            #expect(error?.description.contains("WRONG-SECRET") == false)
        }
    }

    @Test func anUnreachableCacheIsNamedWithItsCause() async throws {
        let port = try CacheServers.freePort()
        let cache = try CacheLocation.open("http://user:pass-SECRET@127.0.0.1:\(port)/c", environment: [:])
        let error = await #expect(throws: CacheError.self) { try await cache.check() }
        #expect(error?.kind == .unreachable)
        #expect(error?.description.contains("http://127.0.0.1:\(port)/c/") == true)
        #expect(error?.description.contains("pass-SECRET") == false)
    }

    @Test func httpCacheOnNginxWebDAV() async throws {
        try await NginxCache.with { nginx in
            let cache = try CacheLocation.open(nginx.url, environment: [:])
            #expect(cache.supportsCreateOnly == false)
            try await cache.check()
            try await Self.roundTrip(cache)
            #expect(FileManager.default.fileExists(atPath: nginx.root + "/ac/k"))
        }
    }
}
