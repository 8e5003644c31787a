import Foundation
import Testing
import VeoCache
import VeoRunner

/// The built binary against a hostile HTTP cache (``HostileServer``) and the emulator: nothing a
/// shared cache answers is trusted. Records are checked before use, objects are verified as clips
/// of the job, downloads are capped at the record's size and bounded by `--job-timeout`, and no
/// record's text reaches a URL, the journal, the report or the terminal.
@Suite(.serialized) struct SharedCacheHostileTests {
    static let oneShot = manifestYAML(name: "hostile", "  - id: a\n    prompt: Hostile cache a\n")

    /// A real 4 s 1280x720 clip, as the emulator's would be, for records that are poisoned in one
    /// field only.
    static func realClip(_ directory: String) async throws -> Data {
        let path = directory + "/real.mp4"
        let r = try await Tools.run("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x3366cc:s=1280x720:r=8:d=4", "-pix_fmt", "yuv420p", "-c:v", "libx264",
            "-preset", "ultrafast", path,
        ])
        guard r.status == 0 else { throw HarnessError("ffmpeg cannot make a test clip: \(r.output)") }
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static func sha256(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "veo-hostile-" + UUID().uuidString
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Tools.sha256(path)
    }

    /// A record as a runner shares it, with `change` applied to its JSON object.
    static func record(for object: Data, _ change: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        let sha = try sha256(object)
        var fields: [String: Any] = [
            "sha256": sha, "bytes": object.count, "width": 1280, "height": 720, "duration": 4.0,
            "model": "veo-3.1-fast-generate-preview", "video_id": "video_from_cache_1",
        ]
        change(&fields)
        return try JSONSerialization.data(withJSONObject: fields)
    }

    /// A cache that answers every record lookup with `record` and every object with `object`
    /// (when the path names its sha256), takes every upload, and knows nothing else.
    static func cache(record: Data, object: @escaping @Sendable (String) -> HostileServer.Reply) -> @Sendable (HostileServer.Request) -> HostileServer.Reply {
        { request in
            switch (request.method, request.path) {
            case ("GET", let path) where path.hasPrefix("/cache/ac/"): .answer(status: 200, body: record)
            case ("GET", let path) where path.hasPrefix("/cache/cas/"): object(String(path.dropFirst("/cache/cas/".count)))
            case ("PUT", _): .answer(status: 201)
            default: .answer(status: 404)
            }
        }
    }

    static func run(_ h: Harness, cache: HostileServer, _ extra: [String] = [], timeout: Double = 90) async throws -> CLIResult {
        try await CLIProcess(
            arguments: h.runArguments(["--cache", "http://veo:cache-SECRET-pw@127.0.0.1:\(cache.port)/cache"] + extra),
            environment: Harness.environment(key: h.key), directory: h.directory
        ).wait(timeout: timeout)
    }

    /// Every request stayed inside the cache's `ac/` and `cas/<sha256>`.
    static func stayedInside(_ server: HostileServer) -> Bool {
        server.requests.allSatisfy { request in
            let path = request.path
            if path.hasPrefix("/cache/ac/") { return !path.contains("..") }
            guard path.hasPrefix("/cache/cas/") else { return false }
            return CachePaths.isSHA256(String(path.dropFirst("/cache/cas/".count)))
        }
    }

    enum Poison: String, CaseIterable, Sendable {
        case hugeDuration, longDuration, wrongSize, pathInSHA, controlInVideoID, noBytes, moreBytesThanACap

        func apply(_ fields: inout [String: Any]) {
            switch self {
            case .hugeDuration: fields["duration"] = 1e300
            case .longDuration: fields["duration"] = 1e6
            case .wrongSize: fields["width"] = 3840
            case .pathInSHA: fields["sha256"] = "../../../../etc/passwd"
            case .controlInVideoID: fields["video_id"] = "video\u{1B}[2J\u{07}\nforged"
            case .noBytes: fields["bytes"] = 0
            case .moreBytesThanACap: fields["bytes"] = 40_000_000_000
            }
        }
    }

    /// Item 1 and 3 of issue 24: a record that cannot be this job's is refused before anything is
    /// fetched or journaled (`cache_failed`, naming the record); the folder then runs without the
    /// cache as before, and with `--cache-optional` the job is rendered instead.
    @Test(arguments: Poison.allCases)
    func aPoisonedRecordIsRefusedBeforeUse(_ poison: Poison) async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.oneShot)
            let clip = try await Self.realClip(h.directory)
            let record = try Self.record(for: clip, poison.apply)
            let sha = try Self.sha256(clip)
            try await HostileServer.with(Self.cache(record: record) { path in path == sha ? .answer(status: 200, body: clip) : .answer(status: 404) }) { server in
                let strict = try await Self.run(h, cache: server)
                #expect(strict.code == 1 && !strict.signalled, "\(strict)")
                let job = try #require(try await h.report().job("a"))
                #expect(job.status == "failed" && job.error?.code == "cache_failed", "\(job.status) \(job.error?.message ?? "")")
                #expect(job.error?.message.contains("cannot be this job's") == true, "\(job.error?.message ?? "")")
                #expect(!(strict.stdout + strict.stderr).contains("\u{1B}") && !(strict.stdout + strict.stderr).contains("\u{07}"))
                #expect(Self.stayedInside(server), "\(server.requests.map(\.path))")
                #expect(h.journalCount("completed") == 0)
                #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
                #expect(await h.record().createAttemptCount == 0)

                let lenient = try await Self.run(h, cache: server, ["--cache-optional"])
                #expect(lenient.code == 0, "\(lenient)")
                #expect(lenient.stderr.contains("cannot be this job's"), "\(lenient)")
                #expect(await h.record().createAttemptCount == 1)
                let probed = try await Tools.probe(h.out + "/clips/a.mp4")
                #expect(probed.width == 1280 && probed.height == 720 && abs(probed.duration - 4) < 1)
            }
            // The folder is sound without the cache too.
            let plain = try await h.run()
            #expect(plain.code == 0 && !plain.signalled, "\(plain)")
            #expect(await h.record().createAttemptCount == 1)
        }
    }

    /// Item 3: an object whose sha256 and size match its record but that is not a clip (HTML) is
    /// verified like a provider download and refused: never restored, reported or shared again.
    @Test func anObjectThatIsNotAClipIsRefused() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.oneShot)
            let html = Data("<!doctype html><html><body>Sign in to continue</body></html>\n".utf8)
            let record = try Self.record(for: html)
            try await HostileServer.with(Self.cache(record: record) { _ in .answer(status: 200, body: html) }) { server in
                let strict = try await Self.run(h, cache: server)
                #expect(strict.code == 1, "\(strict)")
                let job = try #require(try await h.report().job("a"))
                #expect(job.error?.code == "cache_failed", "\(job.status)")
                #expect(job.error?.message.contains("not a clip of this job") == true, "\(job.error?.message ?? "")")
                #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
                #expect(h.journalCount("completed") == 0)
                #expect(!server.requests.contains { $0.method == "PUT" })
            }
        }
    }

    /// Item 3: an object that streams far past its record's size is cut off at that size.
    @Test func anObjectLargerThanItsRecordIsCutOff() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.oneShot)
            let clip = try await Self.realClip(h.directory)
            let record = try Self.record(for: clip)
            let flood: Int64 = 400 << 20
            try await HostileServer.with(Self.cache(record: record) { _ in .flood(bytes: flood) }) { server in
                let run = try await Self.run(h, cache: server)
                #expect(run.code == 1, "\(run)")
                let job = try #require(try await h.report().job("a"))
                #expect(job.error?.message.contains("larger than its record says") == true, "\(job.error?.message ?? "")")
                // What the kernel's buffers took beyond the cut, not the 400 MiB sent on.
                #expect(server.bodyBytesSent < 64 << 20, "\(server.bodyBytesSent) bytes sent")
            }
        }
    }

    /// Item 3: an object trickled a byte a second is given up at the job's `--job-timeout`, and
    /// the download is shown while it lasts.
    @Test func aTrickledObjectIsBoundedByTheJobTimeout() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.oneShot)
            let clip = try await Self.realClip(h.directory)
            let record = try Self.record(for: clip)
            try await HostileServer.with(Self.cache(record: record) { _ in .trickle(body: clip, interval: 1) }) { server in
                let started = Date()
                let run = try await Self.run(h, cache: server, ["--job-timeout", "3"], timeout: 60)
                #expect(!run.signalled, "\(run)")
                #expect(run.code == 1, "\(run)")
                #expect(Date().timeIntervalSince(started) < 30)
                #expect(run.stdout.contains("downloading a"), "\(run)")
                let job = try #require(try await h.report().job("a"))
                #expect(job.error?.message.contains("--job-timeout") == true, "\(job.error?.message ?? "")")
            }
        }
    }
}
