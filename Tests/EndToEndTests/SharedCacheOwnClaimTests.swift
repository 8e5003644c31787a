import Foundation
import Testing
import VeoCache
import VeoEmulator
import VeoRunner

/// Item 4 of issue 24: a run killed while it held claims on moto. The next run *in the same
/// folder* knows those claims for its own (its journal recorded them): with no create request sent
/// (no `submitting` line) it takes the claim back and submits at once; with one, it reports the job
/// as ambiguous at once, as it would without a cache. Neither waits for `--job-timeout`.
@Suite(.serialized) struct SharedCacheOwnClaimTests {
    static let shots = manifestYAML(name: "shared", """
          - id: a
            prompt: Shared cache a
          - id: b
            prompt: Shared cache b
        """)

    /// The jobs with a `submitting` line in a folder's journal.
    static func submitting(_ out: String) -> Set<String> {
        guard let text = try? String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8) else { return [] }
        var jobs = Set<String>()
        for line in text.split(separator: "\n") {
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], entry["event"] as? String == "submitting",
                let job = entry["job"] as? String
            else { continue }
            jobs.insert(job)
        }
        return jobs
    }

    @Test func aDeadRunsClaimWithNoCreateSentIsTakenBackAndSubmitted() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let keys = try SharedCacheTakeoverTests.remoteKeys(h)
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                // One create a minute: both jobs claim at once, the second then waits for its turn
                // with its claim made and no create request sent. It is killed there.
                let first = try SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--requests-per-minute", "1"])
                var waiting: String?
                let claimedUnsent = await eventually(timeout: 40) {
                    // One job sent and answered (its video id journaled), the other not sent.
                    let sent = Self.submitting(h.out)
                    guard sent.count == 1, Set(SharedCacheTakeoverTests.journaledVideoIDs(h.out).keys) == sent else { return false }
                    for job in ["a", "b"] where !sent.contains(job) {
                        if await SharedCacheTakeoverTests.claim(cache, keys[job]!) != nil { waiting = job }
                    }
                    return waiting != nil
                }
                try #require(claimedUnsent, "no job held a claim without a create request")
                first.signal(SIGKILL)
                _ = await first.wait()
                let job = try #require(waiting)
                #expect(await SharedCacheTakeoverTests.claim(cache, keys[job]!)?["video_id"] == nil)

                let started = Date()
                let second = try await SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--job-timeout", "600"]).wait(timeout: 60)
                #expect(second.code == 0, "\(second)")
                #expect(Date().timeIntervalSince(started) < 45)
                #expect(await h.record().createdPerPrompt == ["Shared cache a": 1, "Shared cache b": 1])
                #expect(SharedCacheTakeoverTests.clips(h.out) == ["a", "b"])
                let claimedVideo = await SharedCacheTakeoverTests.claim(cache, keys[job]!)?["video_id"] as? String
                #expect(claimedVideo != nil && claimedVideo == (try await h.report().job(job)?.videoID))
            }
        }
    }

    @Test func aDeadRunsClaimWithACreateSentIsReportedAmbiguousAtOnce() async throws {
        var faults = FaultPlan()
        faults.responseDelayMilliseconds = 4000
        try await MotoS3.with { moto in
            try await Harness.with(faults: faults) { h in
                try h.writeManifest(manifestYAML(name: "shared", "  - id: a\n    prompt: Shared cache a\n"))
                let first = try SharedCacheRunTests.start(h, out: h.out, moto: moto)
                let sent = await eventually(timeout: 30) { Self.submitting(h.out) == ["a"] }
                try #require(sent, "the create request never went out")
                first.signal(SIGKILL)
                _ = await first.wait()

                let started = Date()
                let second = try await SharedCacheRunTests.start(h, out: h.out, moto: moto, ["--job-timeout", "600"]).wait(timeout: 60)
                #expect(second.code == 1, "\(second)")
                #expect(Date().timeIntervalSince(started) < 30)
                let job = try #require(try await h.report().job("a"))
                #expect(job.error?.code == "ambiguous_submission")
                #expect(job.error?.message.contains("another runner") == false, "\(job.error?.message ?? "")")
                #expect(job.error?.message.contains("--resubmit-ambiguous") == true)
            }
        }
    }
}
