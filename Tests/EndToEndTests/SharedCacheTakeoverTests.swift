import Foundation
import Testing
import VeoCache
import VeoManifest
import VeoRunner
import VeoReport

/// Claims on moto when a runner dies: `kill -9` after its claims hold video ids (another runner
/// finishes those jobs by their ids, with no second create request), and a claim that never got a
/// video id (an ambiguous submission: reported, never re-sent without `--resubmit-ambiguous`).
@Suite(.serialized) struct SharedCacheTakeoverTests {
    static let shots = manifestYAML(name: "shared", """
          - id: a
            prompt: Shared cache a
          - id: b
            prompt: Shared cache b
          - id: c
            prompt: Shared cache c
          - id: d
            prompt: Shared cache d
        """)

    /// Each job's key in the shared cache (jobs without inputs: the key is the request's).
    static func remoteKeys(_ h: Harness) throws -> [String: String] {
        let plan = try #require(ManifestLoader.load(file: h.manifest).plan)
        var keys: [String: String] = [:]
        for job in plan.jobs {
            let key = try #require(CacheKey.forJob(job, fileSHA: [:], clipSHA: [:]))
            keys[job.id] = SharedCacheOptions.remoteKey(key, origin: APIOrigin.of(h.baseURL))
        }
        return keys
    }

    /// The claim of a job as moto holds it (nil when there is none).
    static func claim(_ cache: any RemoteCache, _ key: String) async -> [String: Any]? {
        guard let data = try? await cache.read("claims/\(key)") else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// The video id each job's `submitted` entry in a folder's journal names.
    static func journaledVideoIDs(_ out: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8) else { return [:] }
        var ids: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], entry["event"] as? String == "submitted",
                let job = entry["job"] as? String, let video = entry["video_id"] as? String
            else { continue }
            ids[job] = video
        }
        return ids
    }

    static func clips(_ out: String) -> [String] {
        ["a", "b", "c", "d"].filter { FileManager.default.fileExists(atPath: "\(out)/clips/\($0).mp4") }
    }

    static func report(_ out: String) throws -> RunReport {
        try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
    }

    @Test func aRunnerKilledMidRunIsFinishedByAnotherWithNoSecondCreate() async throws {
        try await MotoS3.with { moto in
            // Renders take 8 s: the first runner is killed long before any of its jobs is done.
            try await Harness.with(renderSeconds: 8) { h in
                try h.writeManifest(Self.shots)
                let keys = try Self.remoteKeys(h)
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                let (one, two) = (h.directory + "/one", h.directory + "/two")
                // The first runner claims and submits a and b.
                let first = try SharedCacheRunTests.start(h, out: one, moto: moto, ["--only", "a", "b"])
                var claimed: [String: String] = [:]
                let idsInClaims = await eventually(timeout: 30) {
                    for job in ["a", "b"] {
                        if let video = await Self.claim(cache, keys[job]!)?["video_id"] as? String { claimed[job] = video }
                    }
                    return claimed.count == 2
                }
                try #require(idsInClaims, "the first runner's claims never held video ids")
                // The second runner, on the whole manifest, finds a and b claimed with video ids
                // and follows them; c and d it claims and submits itself.
                let second = try SharedCacheRunTests.start(h, out: two, moto: moto)
                let following = await eventually(timeout: 30) {
                    let ids = Self.journaledVideoIDs(two)
                    return ids["a"] == claimed["a"] && ids["b"] == claimed["b"]
                }
                try #require(following, "the second runner never followed the claimed video ids")
                first.signal(SIGKILL)
                let killed = await first.wait()
                #expect(killed.signalled && killed.code == SIGKILL, "\(killed)")
                #expect(Self.clips(one).isEmpty, "the first runner finished a job before it was killed")

                let finished = await second.wait(timeout: 120)
                #expect(finished.code == 0, "\(finished)")
                let record = await h.record()
                #expect(record.createAttemptCount == 4, "\(record.createdPrompts)")
                #expect(record.createdPerPrompt == ["Shared cache a": 1, "Shared cache b": 1, "Shared cache c": 1, "Shared cache d": 1])
                #expect(Self.clips(two) == ["a", "b", "c", "d"])
                let report = try Self.report(two)
                for job in ["a", "b"] {
                    #expect(report.job(job)?.videoID == claimed[job], "\(job)")
                    #expect(report.job(job)?.status == "succeeded", "\(job)")
                    // The second runner shared what it finished for the killed one.
                    #expect(try await cache.exists("ac/\(keys[job]!)"), "\(job)")
                }
                // The emulator saw the killed runner's video ids polled and downloaded by the other.
                for job in ["a", "b"] {
                    #expect(record.requests.contains { $0.kind == .file && $0.videoID == claimed[job] }, "\(job)")
                }
            }
        }
    }

    /// The first jobs of a run send their claims beside their lookups (a job that misses pays one
    /// round trip); a job that then finds a record gives its claim back.
    @Test func aHitGivesBackTheClaimSentBesideItsLookup() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let warm = try await SharedCacheRunTests.start(h, out: h.directory + "/warm", moto: moto).wait()
                #expect(warm.code == 0, "\(warm)")
                let keys = try Self.remoteKeys(h)
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                for key in keys.values {
                    #expect(try await cache.exists("claims/\(key)"))
                    try await cache.remove("claims/\(key)")  // as a lifecycle rule on claims/ would
                }
                await h.emulator.reset()
                let fresh = h.directory + "/fresh"
                let restored = try await SharedCacheRunTests.start(h, out: fresh, moto: moto).wait()
                #expect(restored.code == 0, "\(restored)")
                #expect(Self.clips(fresh) == ["a", "b", "c", "d"])
                #expect(await h.record().requests.isEmpty)
                for (job, key) in keys {
                    #expect(try await cache.exists("claims/\(key)") == false, "\(job)")
                }
                // moto's log: claims were made beside the lookups and removed again (beyond the 4 above).
                let log = try String(contentsOfFile: moto.directory + "/moto.log", encoding: .utf8)
                let removed = log.split(separator: "\n").count { $0.contains("\"DELETE /veo-cache/teamclips/claims/") }
                #expect(removed > 4, "\(removed) claims removed")
            }
        }
    }

    static func writeClaim(_ cache: any RemoteCache, key: String, runner: String, age: TimeInterval) async throws {
        let created = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-age))
        let body = Data(#"{"created_at":"\#(created)","runner":"\#(runner)"}"#.utf8)
        #expect(try await cache.write("claims/\(key)", body, contentType: "application/json", createOnly: false))
    }

    @Test func aClaimWithoutAVideoIDPastTheDeadlineIsAmbiguousAndNotResubmitted() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(SharedCacheRunTests.shots)
                let keys = try Self.remoteKeys(h)
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                // A claim made just now is waited for, up to the job deadline, then reported.
                try await Self.writeClaim(cache, key: keys["a"]!, runner: "ghost-runner-7", age: 0)
                let started = Date()
                let young = try await SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--job-timeout", "3"]).wait()
                // (Claims carry whole seconds: one made 0.9 s ago may read as 1.9 s old.)
                #expect(Date().timeIntervalSince(started) >= 2, "a young claim was not waited for")
                #expect(young.code == 1, "\(young)")
                #expect(try await h.report().job("a")?.error?.code == "ambiguous_submission")
                // A claim older than the deadline: reported at once, the job never sent.
                try await Self.writeClaim(cache, key: keys["a"]!, runner: "ghost-runner-7", age: 7200)
                for _ in 0..<2 {
                    let run = try await SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--job-timeout", "600"]).wait()
                    #expect(run.code == 1, "\(run)")
                    let job = try #require(try await h.report().job("a"))
                    #expect(job.status == "failed")
                    #expect(job.error?.code == "ambiguous_submission")
                    #expect(job.error?.message.contains("ghost-runner-7") == true, "\(job.error?.message ?? "")")
                    #expect(job.error?.message.contains("--resubmit-ambiguous") == true)
                    #expect(run.stdout.contains("ambiguous") || run.stderr.contains("ambiguous") || run.stdout.contains("--resubmit-ambiguous"), "\(run)")
                }
                var record = await h.record()
                #expect(record.createdPerPrompt == ["Shared cache b": 1, "Shared cache c": 1], "\(record.createdPrompts)")
                // Asked for: submitted once, and the claim becomes this runner's, with the video id.
                let resubmitted = try await SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--resubmit-ambiguous"]).wait()
                #expect(resubmitted.code == 0, "\(resubmitted)")
                record = await h.record()
                #expect(record.createdPerPrompt == ["Shared cache a": 1, "Shared cache b": 1, "Shared cache c": 1])
                let video = try #require(try await h.report().job("a")?.videoID)
                let claimedVideo = await Self.claim(cache, keys["a"]!)?["video_id"] as? String
                #expect(claimedVideo == video)
            }
        }
    }
}
