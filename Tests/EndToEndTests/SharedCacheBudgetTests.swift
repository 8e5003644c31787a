import Foundation
import Testing

/// The budget check before a run and `plan --cache` count jobs the shared cache holds as costing
/// nothing (the run takes them from there with no create request).
@Suite(.serialized) struct SharedCacheBudgetTests {
    /// a, b, c and d (d from a's last frame) at 0.40 USD each; `new` adds e; `budget` the folder's.
    static func manifest(new: Bool = false, budget: Double? = nil) -> String {
        var shots = """
              - id: a
                prompt: Budget shared a
              - id: b
                prompt: Budget shared b
              - id: c
                prompt: Budget shared c
              - id: d
                prompt: Budget shared d after a
                first_frame: {shot: a, frame: last}
            """
        if new { shots += "\n  - id: e\n    prompt: Budget shared e, new\n" }
        let yaml = manifestYAML(name: "shared", shots)
        return budget.map { yaml.replacingOccurrences(of: "shots:\n", with: "budget:\n  max_usd: \($0)\nshots:\n") } ?? yaml
    }

    static func plan(_ h: Harness, out: String, moto: MotoS3) async throws -> CLIResult {
        try await h.cli(
            ["plan", h.manifest, "--base-url", h.baseURL, "--out", out, "--cache", moto.url],
            environment: Harness.environment(key: nil, extra: moto.environment()))
    }

    @Test func jobsInTheSharedCacheCostNothingInTheBudgetCheck() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.manifest())
                let warm = try await SharedCacheRunTests.start(h, out: h.directory + "/warm", moto: moto).wait()
                #expect(warm.code == 0, "\(warm)")
                await h.emulator.reset()
                // 1.60 USD of jobs, all in the shared cache (d's key from a's clip there): 0.10 USD is enough.
                let fresh = h.directory + "/fresh"
                let restored = try await SharedCacheRunTests.start(h, out: fresh, moto: moto, ["--max-cost", "0.1"]).wait()
                #expect(restored.code == 0, "\(restored)")
                #expect(await h.record().createAttemptCount == 0)
                #expect(["a", "b", "c", "d"].allSatisfy { FileManager.default.fileExists(atPath: "\(fresh)/clips/\($0).mp4") })

                // One job more, in another fresh folder: only e counts, against the manifest's budget.
                try h.writeManifest(Self.manifest(new: true, budget: 0.3))
                let other = h.directory + "/other"
                let tight = try await Self.plan(h, out: other, moto: moto)
                #expect(tight.code == 3, "\(tight)")
                #expect(tight.stderr.contains("a run would spend an estimated 0.40 USD (4 s)"), "\(tight)")
                let refused = try await SharedCacheRunTests.start(h, out: other, moto: moto).wait()
                #expect(refused.code == 3, "\(refused)")
                #expect(refused.stderr.contains("would cost an estimated 0.40 USD (4 s of video)"), "\(refused)")
                #expect(refused.stderr.contains("e  0.40 USD (4 s)") && !refused.stderr.contains("a  0.40 USD"), "\(refused)")
                #expect(await h.record().createAttemptCount == 0)

                try h.writeManifest(Self.manifest(new: true, budget: 0.5))
                let fits = try await Self.plan(h, out: other, moto: moto)
                #expect(fits.code == 0, "\(fits)")
                let ran = try await SharedCacheRunTests.start(h, out: other, moto: moto).wait()
                #expect(ran.code == 0, "\(ran)")
                #expect(await h.record().createdPrompts == ["Budget shared e, new"])
            }
        }
    }
}
