import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator

/// Re-runs: nothing generated twice, only what changed re-rendered; failures skip dependents.
@Suite struct CacheTests {
    static func chain(bPrompt: String) -> String {
        manifestYAML(name: "chain", """
              - id: a
                prompt: E2E chain a
              - id: b
                prompt: \(bPrompt)
                first_frame: {shot: a, frame: last}
              - id: c
                prompt: E2E chain c
                first_frame: {shot: b, frame: last}
              - id: d
                prompt: E2E lone d
                references: [assets/lion.jpg]
            """)
    }

    @Test func secondRunIsFreeAndAnEditReRendersOnlyItAndItsDependents() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.chain(bPrompt: "E2E chain b"))
            let first = try await h.run()
            #expect(first.code == 0, "\(first)")
            #expect(await h.record().createCount == 4)
            let firstReport = try await h.report()
            #expect(firstReport.summary.cached == 0)

            // Same command again: zero POSTs, zero requests of any kind, every job cached.
            await h.emulator.reset()
            let second = try await h.run()
            #expect(second.code == 0, "\(second)")
            let secondRecord = await h.record()
            #expect(secondRecord.requests.isEmpty, "\(secondRecord.requests.map(\.path))")
            let secondReport = try await h.report()
            #expect(secondReport.status == "succeeded")
            #expect(secondReport.summary.total == 4 && secondReport.summary.cached == 4 && secondReport.summary.succeeded == 4)
            for job in secondReport.jobs {
                #expect(job.cached, "\(job.id)")
                #expect(job.output?.sha256 == firstReport.job(job.id)?.output?.sha256)
                #expect(job.cacheKey == firstReport.job(job.id)?.cacheKey)
            }

            // Edit b's prompt: b and c (which takes b's last frame) re-render, a and d do not.
            try h.writeManifest(Self.chain(bPrompt: "E2E chain b, edited"))
            await h.emulator.reset()
            let third = try await h.run()
            #expect(third.code == 0, "\(third)")
            let record = await h.record()
            #expect(record.createAttemptCount == 2)
            #expect(Set(record.createdPrompts) == ["E2E chain b, edited", "E2E chain c"])
            let thirdReport = try await h.report()
            #expect(thirdReport.job("a")?.cached == true)
            #expect(thirdReport.job("d")?.cached == true)
            #expect(thirdReport.job("b")?.cached == false)
            #expect(thirdReport.job("c")?.cached == false)
            #expect(thirdReport.job("c")?.cacheKey != firstReport.job("c")?.cacheKey)
            #expect(thirdReport.summary.cached == 2)

            // The cache survives moving the out dir.
            let moved = h.directory + "/moved"
            try FileManager.default.moveItem(atPath: h.out, toPath: moved)
            await h.emulator.reset()
            let fourth = try await CLIProcess(
                arguments: ["run", h.manifest, "--base-url", h.baseURL, "--out", moved, "--poll-interval", "0.1"],
                environment: Harness.environment(key: h.key), directory: h.directory
            ).wait()
            #expect(fourth.code == 0, "\(fourth)")
            #expect(await h.record().createAttemptCount == 0)
            try await Schema.validate(moved + "/report.json")

            // --force --only d re-renders d alone (paid again, on purpose).
            await h.emulator.reset()
            let forced = try await CLIProcess(
                arguments: ["run", h.manifest, "--base-url", h.baseURL, "--out", moved, "--poll-interval", "0.1", "--force", "--only", "d"],
                environment: Harness.environment(key: h.key), directory: h.directory
            ).wait()
            #expect(forced.code == 0, "\(forced)")
            #expect(await h.record().createdPrompts == ["E2E lone d"])
            try await Schema.validate(moved + "/report.json")
        }
    }

    @Test func aFailingJobSkipsItsDependentsAndTheRestComplete() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        faults.failCode = "moderation_blocked"
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "failing", """
                  - id: a
                    prompt: E2E DOOMED shot
                  - id: b
                    prompt: E2E needs a
                    first_frame: {shot: a, frame: last}
                  - id: c
                    prompt: E2E after b
                    after: [b]
                  - id: d
                    prompt: E2E independent
                """))
            let result = try await h.run()
            #expect(result.code == 1, "\(result)")
            let record = await h.record()
            #expect(Set(record.createdPrompts) == ["E2E DOOMED shot", "E2E independent"])
            #expect(record.createAttemptCount == 2)
            let report = try await h.report()
            #expect(report.status == "failed")
            #expect(report.summary.failed == 1 && report.summary.skipped == 2 && report.summary.succeeded == 1)
            let a = try #require(report.job("a"))
            #expect(a.status == "failed")
            #expect(a.error?.code == "generation_failed")
            #expect(a.error?.providerCode == "moderation_blocked")
            #expect(a.output == nil)
            let b = try #require(report.job("b"))
            #expect(b.status == "skipped")
            #expect(b.skippedBecause?.contains("'a'") == true, "\(b.skippedBecause ?? "nil")")
            let c = try #require(report.job("c"))
            #expect(c.status == "skipped")
            #expect(c.skippedBecause != nil)
            #expect(report.job("d")?.status == "succeeded")
            #expect(FileManager.default.fileExists(atPath: h.out + "/clips/d.mp4"))
            #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/a.mp4"))
            #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/b.mp4"))
            #expect((result.stdout + result.stderr).contains("moderation_blocked"), "\(result)")
        }
    }

    @Test func failFastStopsStartingJobs() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "failfast", """
                  - id: a
                    prompt: E2E DOOMED first
                  - id: b
                    prompt: E2E second
                  - id: c
                    prompt: E2E third
                """))
            let result = try await h.run(["--fail-fast", "--concurrency", "1"])
            #expect(result.code == 1, "\(result)")
            #expect(await h.record().createdPrompts == ["E2E DOOMED first"])
            let report = try await h.report()
            #expect(report.job("b")?.status == "skipped")
            #expect(report.job("b")?.skippedBecause?.contains("fail-fast") == true)
        }
    }
}
