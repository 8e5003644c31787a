import Foundation
import Testing
import VeoCache
import VeoRunner

/// The built binary with `--cache` on moto against the emulator: runners share results and claims.
@Suite(.serialized) struct SharedCacheRunTests {
    static let shots = manifestYAML(name: "shared", """
          - id: a
            prompt: Shared cache a
          - id: b
            prompt: Shared cache b
          - id: c
            prompt: Shared cache c
        """)

    static func arguments(_ h: Harness, out: String, cache: String, _ extra: [String] = []) -> [String] {
        ["run", h.manifest, "--base-url", h.baseURL, "--out", out, "--poll-interval", "0.1", "--cache", cache] + extra
    }

    static func start(_ h: Harness, out: String, moto: MotoS3, secret: String? = nil, _ extra: [String] = []) throws -> CLIProcess {
        try CLIProcess(
            arguments: arguments(h, out: out, cache: moto.url, extra), environment: Harness.environment(key: h.key, extra: moto.environment(secret: secret)),
            directory: h.directory)
    }

    static func clips(_ out: String) -> [String] {
        ["a", "b", "c"].filter { FileManager.default.fileExists(atPath: "\(out)/clips/\($0).mp4") }
    }

    /// The shared-cache keys of the jobs a folder's journal recorded.
    static func remoteKeys(_ out: String, baseURL: String) throws -> Set<String> {
        let text = try String(contentsOfFile: out + "/journal.jsonl", encoding: .utf8)
        var keys = Set<String>()
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let key = object["key"] as? String else { continue }
            keys.insert(SharedCacheOptions.remoteKey(key, origin: APIOrigin.of(baseURL)))
        }
        return keys
    }

    @Test func twoRunnersAtOnceCreateEveryJobOnceAndBothEndWithEveryClip() async throws {
        try await MotoS3.with { moto in
            try await Harness.with(renderSeconds: 1.5) { h in
                try h.writeManifest(Self.shots)
                let (one, two) = (h.directory + "/one", h.directory + "/two")
                let first = try Self.start(h, out: one, moto: moto)
                let second = try Self.start(h, out: two, moto: moto)
                let (r1, r2) = (await first.wait(), await second.wait())
                #expect(r1.code == 0, "\(r1)")
                #expect(r2.code == 0, "\(r2)")
                let record = await h.record()
                #expect(record.createAttemptCount == 3)
                #expect(record.createdPerPrompt.values.allSatisfy { $0 == 1 }, "\(record.createdPerPrompt)")
                #expect(Self.clips(one) == ["a", "b", "c"])
                #expect(Self.clips(two) == ["a", "b", "c"])
                for job in ["a", "b", "c"] {
                    #expect(try Tools.sha256("\(one)/clips/\(job).mp4") == Tools.sha256("\(two)/clips/\(job).mp4"))
                }
            }
        }
    }

    @Test func anotherMachineRendersFromAWarmCacheWithNoCreateRequest() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let warm = try await Self.start(h, out: h.directory + "/warm", moto: moto).wait()
                #expect(warm.code == 0, "\(warm)")
                await h.emulator.reset()
                let fresh = h.directory + "/fresh"
                let plan = try await h.cli(
                    ["plan", h.manifest, "--base-url", h.baseURL, "--out", fresh, "--cache", moto.url, "--detailed-exitcode"],
                    environment: Harness.environment(key: nil, extra: moto.environment()))
                #expect(plan.code == 0, "\(plan)")
                let cold = try await Self.start(h, out: fresh, moto: moto).wait()
                #expect(cold.code == 0, "\(cold)")
                let record = await h.record()
                #expect(record.requests.isEmpty, "\(record.requests.map(\.path))")
                #expect(Self.clips(fresh) == ["a", "b", "c"])
                let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fresh + "/report.json"))) as? [String: Any]
                #expect((report?["summary"] as? [String: Any])?["cached"] as? Int == 3)
            }
        }
    }

    @Test func aCorruptedObjectIsDetectedAndNotUsed() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(manifestYAML(name: "shared", "  - id: a\n    prompt: Shared cache a\n"))
                let warm = try await Self.start(h, out: h.directory + "/warm", moto: moto).wait()
                #expect(warm.code == 0, "\(warm)")
                let sha = try Tools.sha256(h.directory + "/warm/clips/a.mp4")
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                try await cache.write("cas/\(sha)", Data("not the clip".utf8), contentType: "video/mp4", createOnly: false)
                await h.emulator.reset()
                let strict = try await Self.start(h, out: h.directory + "/strict", moto: moto).wait()
                #expect(strict.code != 0, "\(strict)")
                #expect(strict.stdout.contains("cas/\(sha)") || strict.stderr.contains("cas/\(sha)"), "\(strict)")
                #expect(!FileManager.default.fileExists(atPath: h.directory + "/strict/clips/a.mp4"))
                #expect(await h.record().createAttemptCount == 0)
                let lenient = try await Self.start(h, out: h.directory + "/lenient", moto: moto, ["--cache-optional"]).wait()
                #expect(lenient.code == 0, "\(lenient)")
                #expect(lenient.stderr.contains("corrupted") || lenient.stdout.contains("corrupted"), "\(lenient)")
                #expect(try Tools.sha256(h.directory + "/lenient/clips/a.mp4") == sha)
            }
        }
    }

    @Test func aJobSkippedOverBudgetLeavesNoClaimBehind() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let poor = try await Self.start(h, out: h.directory + "/poor", moto: moto, ["--max-cost", "0.01", "--render-what-fits"]).wait()
                #expect(await h.record().createAttemptCount == 0, "\(poor)")
                // A dangling claim would make this runner wait for the claim to age past
                // --job-timeout and then fail the job as ambiguous.
                let rich = try await Self.start(h, out: h.directory + "/rich", moto: moto, ["--job-timeout", "60"]).wait(timeout: 45)
                #expect(rich.code == 0, "\(rich)")
                #expect(Self.clips(h.directory + "/rich") == ["a", "b", "c"])
                #expect(await h.record().createAttemptCount == 3)
            }
        }
    }

    @Test func readOnlyModeWritesNothing() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let out = h.directory + "/ro"
                let run = try await Self.start(h, out: out, moto: moto, ["--cache-read-only"]).wait()
                #expect(run.code == 0, "\(run)")
                #expect(Self.clips(out) == ["a", "b", "c"])
                let cache = try CacheLocation.open(moto.url, environment: moto.environment())
                for key in try Self.remoteKeys(out, baseURL: h.baseURL) {
                    #expect(try await cache.exists("ac/\(key)") == false)
                    #expect(try await cache.exists("claims/\(key)") == false)
                }
                for job in ["a", "b", "c"] {
                    #expect(try await cache.exists("cas/\(try Tools.sha256("\(out)/clips/\(job).mp4"))") == false)
                }
            }
        }
    }

    @Test func wrongCredentialsFailBeforeAnyCreateRequest() async throws {
        try await MotoS3.with { moto in
            try await Harness.with { h in
                try h.writeManifest(Self.shots)
                let run = try await Self.start(h, out: h.out, moto: moto, secret: "WRONG-SECRET-x").wait()
                #expect(run.code == 78, "\(run)")  // the shared cache cannot be used as configured
                #expect(run.stderr.contains("s3://veo-cache/teamclips"), "\(run)")
                #expect(run.stderr.contains("refused the credentials"), "\(run)")
                #expect(!(run.stderr + run.stdout).contains("WRONG-SECRET"))
                #expect(await h.record().createAttemptCount == 0)
            }
        }
    }
}
