import Foundation
import Testing
import VeoCache
import VeoRunner

/// Item 21 of issue 24: what a run could not share is said (the summary, the report, the step
/// summary) and is an error unless `--cache-optional`; a cache that cannot be used as configured
/// (a missing bucket) has its own exit code, 78.
@Suite(.serialized) struct SharedCacheSharingTests {
    /// A cache that holds nothing and answers 500 to every upload (as nginx does with a full disk
    /// or a wrong `client_body_temp_path`).
    static let refusesUploads: @Sendable (HostileServer.Request) -> HostileServer.Reply = { request in
        request.method == "PUT" ? .answer(status: 500, body: Data("<html>500 Internal Server Error</html>".utf8)) : .answer(status: 404)
    }

    @Test func uploadsThatAllFailAreSaidAndAreAnError() async throws {
        try await Harness.with { h in
            try h.writeManifest(SharedCacheRunTests.shots)
            try await HostileServer.with(Self.refusesUploads) { server in
                let summary = h.directory + "/step-summary.md"
                let environment = Harness.environment(key: h.key, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
                let arguments = h.runArguments(["--cache", "\(server.url)/cache"])
                let strict = try await CLIProcess(arguments: arguments, environment: environment, directory: h.directory).wait()
                #expect(strict.code == 78, "\(strict)")
                #expect(strict.stdout.contains("0 of 3 clips shared"), "\(strict)")
                #expect(strict.stderr.contains("error: 0 of 3 clips shared"), "\(strict)")
                let shared = try #require(try await h.report().summary.sharedCache)
                #expect(shared.clipsShared == 0 && shared.clipsNotShared == 3, "\(shared)")
                #expect(shared.cache == "\(server.url)/cache/")
                let markdown = try String(contentsOfFile: summary, encoding: .utf8)
                #expect(markdown.contains("0 of 3 clips shared"), "\(markdown)")
                #expect(SharedCacheRunTests.clips(h.out) == ["a", "b", "c"])

                // --cache-optional: still said, not an error (a fresh folder renders and shares again).
                try FileManager.default.removeItem(atPath: h.out)
                let lenient = try await CLIProcess(arguments: arguments + ["--cache-optional"], environment: environment, directory: h.directory).wait()
                #expect(lenient.code == 0, "\(lenient)")
                #expect(lenient.stdout.contains("0 of 3 clips shared"), "\(lenient)")
                #expect(lenient.stderr.contains("warning: 0 of 3 clips shared"), "\(lenient)")
            }
        }
    }

    @Test func aCutIsSharedLikeItsClips() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(SharedCacheRunTests.shots + """

                    cuts:
                      - {id: abc, clips: [a, b, c]}
                    """)
                let (one, two) = (h.directory + "/one", h.directory + "/two")
                let warm = try await SharedCacheRunTests.start(h, out: one, moto: moto).wait()
                #expect(warm.code == 0, "\(warm)")
                let shared = try #require(try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: one + "/report.json"))).summary.sharedCache)
                #expect(shared.clipsShared == 3 && shared.cutsShared == 1, "\(shared)")
                #expect(warm.stdout.contains("3 of 3 clips shared, 1 of 1 cut"), "\(warm)")

                let fresh = try await SharedCacheRunTests.start(h, out: two, moto: moto).wait()
                #expect(fresh.code == 0, "\(fresh)")
                #expect(!fresh.stdout.contains("cutting"), "\(fresh)")
                let cut = try #require(try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: two + "/report.json"))).cuts?.first)
                #expect(cut.status == "succeeded" && cut.cached && cut.encodeSeconds == nil, "\(cut)")
                #expect(try Tools.sha256(one + "/cuts/abc.mp4") == Tools.sha256(two + "/cuts/abc.mp4"))
            }
        }
    }

    @Test func aMissingBucketIsAConfigurationError() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(SharedCacheRunTests.shots)
                let run = try await CLIProcess(
                    arguments: SharedCacheRunTests.arguments(h, out: h.out, cache: "s3://no-such-bucket/clips"),
                    environment: Harness.environment(key: h.key, extra: moto.environment()), directory: h.directory
                ).wait()
                #expect(run.code == 78, "\(run)")
                #expect(run.stderr.contains("does the bucket exist"), "\(run)")
                #expect(await h.record().createAttemptCount == 0)
            }
        }
    }
}

/// Item 15 of issue 24: no credential leaves with a redirect (item 14 is in `CacheLocationTests`).
@Suite struct SharedCacheCredentialTests {
    @Test func noRedirectIsFollowed() async throws {
        let file = NSTemporaryDirectory() + "veo-redirect-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await HostileServer.with({ _ in .answer(status: 200, body: Data("{}".utf8)) }) { other in
            try await HostileServer.with({ request in .answer(status: 307, headers: ["Location": other.url + request.path]) }) { server in
                let s3 = try CacheLocation.open("s3://veo-cache/clips", environment: [
                    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "SECRET-key", "AWS_SESSION_TOKEN": "SESSION-TOKEN-secret",
                    "AWS_ENDPOINT_URL": server.url,
                ])
                let http = try CacheLocation.open(server.url + "/cache", environment: ["VEO_CACHE_TOKEN": "BEARER-secret"])
                for cache in [s3, http] {
                    let error = await #expect(throws: CacheError.self) { _ = try await cache.read("ac/k") }
                    #expect(error?.description.contains("redirect") == true, "\(String(describing: error))")
                    await #expect(throws: CacheError.self) { _ = try await cache.download("cas/" + String(repeating: "a", count: 64), to: file) }
                }
                #expect(server.requests.contains { $0.headers["x-amz-security-token"] == "SESSION-TOKEN-secret" })
                #expect(other.requests.isEmpty, "\(other.requests.map { "\($0.method) \($0.path) \($0.headers.keys.sorted())" })")
            }
        }
    }
}
