import Foundation
import Testing
import VeoEmulator
import VeoRunner
import VeoReport

/// Every verified clip is kept by content in the folder (issue 14, local part): going back costs nothing.
@Suite struct ClipStoreTests {
    @Test func goingBackToAnEarlierPromptRestoresItsClipWithNoRequest() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E first version}"))
            #expect(try await h.run().code == 0)
            let first = try Tools.sha256(h.out + "/clips/a.mp4")
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E second version}"))
            #expect(try await h.run().code == 0)
            #expect(try Tools.sha256(h.out + "/clips/a.mp4") != first)
            let before = await h.record()
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E first version}"))
            let back = try await h.run()
            #expect(back.code == 0, "\(back)")
            let after = await h.record()
            #expect(after.createAttemptCount == before.createAttemptCount)
            #expect(after.requests.count == before.requests.count, "the revert asked the server for something")
            #expect(try Tools.sha256(h.out + "/clips/a.mp4") == first)
            let report = try await h.report()
            #expect(report.job("a")?.cached == true)
            // Both versions are in the store, each under its sha256, with a record per request.
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/cas").count == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/ac").count == 2)
            // plan counts the restorable clip as cached too.
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E second version}"))
            let plan = try await h.cli(["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL, "--detailed-exitcode"], environment: Harness.environment(key: nil))
            #expect(plan.code == 0, "\(plan)")
        }
    }

    @Test func gcKeepsWhatTheLastRunUsesAndTheVersionsAskedFor() async throws {
        try await Harness.with { h in
            for version in 1...3 {
                try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E version \(version)}"))
                #expect(try await h.run().code == 0)
            }
            let current = try Tools.sha256(h.out + "/clips/a.mp4")
            let env = Harness.environment(key: nil)
            let dry = try await h.cli(["gc", h.out, "--keep-last", "1", "--dry-run"], environment: env)
            #expect(dry.stdout.contains("Would remove 1 stored clip"), "\(dry)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/cas").count == 3)
            let gc = try await h.cli(["gc", h.out], environment: env)
            #expect(gc.code == 0 && gc.stdout.contains("Removed 2 stored clips"), "\(gc)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/cas") == [current])
            #expect(try FileManager.default.contentsOfDirectory(atPath: h.out + "/cache/ac").count == 1)
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
            let none = try await h.cli(["gc", h.directory], environment: env)
            #expect(none.code == 73 && none.stderr.contains("no readable report.json"), "\(none)")
        }
    }

    @Test func withEmulateGoingBackAfterAnEditWorksAndCostsNothing() async throws {
        try await Harness.with { h in
            let out = h.directory + "/emulated"
            let env = Harness.environment(key: nil)
            func run() async throws -> CLIResult {
                try await h.cli(["run", h.manifest, "--emulate", "--emulator-render-seconds", "0.3", "--out", out, "--poll-interval", "0.1"], environment: env)
            }
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E emulated first}"))
            #expect(try await run().code == 0)
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E emulated second}"))
            #expect(try await run().code == 0)
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E emulated first}"))
            let back = try await run()
            #expect(back.code == 0, "\(back)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
            #expect(report.job("a")?.cached == true)
            #expect(report.emulated)
        }
    }
}
