import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator
import VeoReport

/// Every fault the emulator injects, through the built binary.
@Suite struct FaultTests {
    static let three = manifestYAML(name: "faults", """
          - id: one
            prompt: E2E fault one
          - id: two
            prompt: E2E fault two
          - id: three
            prompt: E2E fault three
        """)
    static let threePrompts: [String: Int] = ["E2E fault one": 1, "E2E fault two": 1, "E2E fault three": 1]

    /// Runs the three-job manifest under `faults`; returns the result, record and report.
    static func runThree(
        _ faults: FaultPlan, renderSeconds: Double = 0.3, args: [String] = []
    ) async throws -> (CLIResult, EmulatorRecord, RunReport) {
        try await Harness.with(renderSeconds: renderSeconds, faults: faults) { h in
            try h.writeManifest(three)
            let result = try await h.run(args)
            return (result, await h.record(), try await h.report())
        }
    }

    @Test func rateLimitedCreatesAreRetriedAfterRetryAfter() async throws {
        var faults = FaultPlan()
        faults.rateLimitCreates = 2
        faults.retryAfterSeconds = 1
        let (result, record, report) = try await Self.runThree(faults)
        #expect(result.code == 0, "\(result)")
        #expect(record.creates.filter { $0.status == 429 }.count == 2)
        #expect(record.createAttemptCount == 3 + 2)
        #expect(record.createCount == 3)
        #expect(record.createdPerPrompt == Self.threePrompts)
        #expect(report.status == "succeeded")
        // Retry-After is honoured: a rejected create is retried no sooner than ~1 s later.
        let rejected = try #require(record.creates.first { $0.status == 429 })
        let retry = record.creates.first { $0.fields["prompt"] == rejected.fields["prompt"] && $0.status == 200 }
        let gap = (retry?.timestamp.timeIntervalSince(rejected.timestamp)) ?? -1
        #expect(gap >= 0.9, "retried after \(gap) s")
    }

    @Test func unavailableCreatesAreRetried() async throws {
        var faults = FaultPlan()
        faults.unavailableCreates = 2
        faults.retryAfterSeconds = 1
        let (result, record, report) = try await Self.runThree(faults)
        #expect(result.code == 0, "\(result)")
        #expect(record.creates.filter { $0.status == 503 }.count == 2)
        #expect(record.createAttemptCount == 5)
        #expect(record.createdPerPrompt == Self.threePrompts)
        #expect(report.summary.succeeded == 3)
    }

    @Test func serverErrorsOnPollsAreRetried() async throws {
        var faults = FaultPlan()
        faults.pollServerErrors = 4
        let (result, record, report) = try await Self.runThree(faults)
        #expect(result.code == 0, "\(result)")
        #expect(record.requests.filter { $0.kind == .poll && ($0.status ?? 0) >= 500 }.count == 4)
        #expect(record.createAttemptCount == 3)
        #expect(record.createdPerPrompt == Self.threePrompts)
        #expect(report.summary.succeeded == 3)
    }

    @Test func nonStandardStatusIsTreatedAsInProgress() async throws {
        var faults = FaultPlan()
        faults.nonStandardStatus = "processing"
        let (result, record, report) = try await Self.runThree(faults, renderSeconds: 0.6)
        #expect(result.code == 0, "\(result)")
        #expect(record.createCount == 3)
        #expect(report.summary.succeeded == 3)
    }

    @Test func slowResponsesStillSucceed() async throws {
        var faults = FaultPlan()
        faults.responseDelayMilliseconds = 150
        let (result, record, report) = try await Self.runThree(faults)
        #expect(result.code == 0, "\(result)")
        #expect(record.createdPerPrompt == Self.threePrompts)
        #expect(report.summary.succeeded == 3)
    }

    @Test func concurrencyFlagBoundsJobsInFlight() async throws {
        // The server refuses more than 2 unfinished jobs; with --concurrency 2 it never has to.
        var faults = FaultPlan()
        faults.maxConcurrentJobs = 2
        try await Harness.with(renderSeconds: 0.5, faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "cap", """
                  - id: j1
                    prompt: E2E cap 1
                  - id: j2
                    prompt: E2E cap 2
                  - id: j3
                    prompt: E2E cap 3
                  - id: j4
                    prompt: E2E cap 4
                """))
            let result = try await h.run(["--concurrency", "2"])
            #expect(result.code == 0, "\(result)")
            let record = await h.record()
            #expect(record.creates.filter { $0.fault == "concurrency_limit" }.isEmpty)
            #expect(record.createAttemptCount == 4)
            #expect(record.createCount == 4)
        }
    }

    @Test func serverConcurrencyCapIsRespectedByRetrying() async throws {
        // --concurrency 3 but the server takes two unfinished jobs at a time: a 429, retried, no duplicates.
        // (With a cap of 1 and three contenders a job gives up after 4 create attempts: see the report.)
        var faults = FaultPlan()
        faults.maxConcurrentJobs = 2
        faults.retryAfterSeconds = 1
        let (result, record, report) = try await Self.runThree(faults, args: ["--concurrency", "3"])
        #expect(result.code == 0, "\(result)")
        #expect(record.creates.contains { $0.fault == "concurrency_limit" })
        #expect(record.createCount == 3)
        #expect(record.createdPerPrompt == Self.threePrompts)
        #expect(report.summary.succeeded == 3)
    }

    @Test func truncatedDownloadIsFetchedAgainWithoutANewGeneration() async throws {
        var faults = FaultPlan()
        faults.truncateDownloads = 1
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "truncate", """
                  - id: only
                    prompt: E2E truncated
                """))
            let result = try await h.run()
            #expect(result.code == 0, "\(result)")
            let record = await h.record()
            #expect(record.createAttemptCount == 1)
            #expect(record.fileDownloadCount >= 2)
            #expect(record.requests.contains { $0.fault == "truncate" })
            let report = try await h.report()
            let output = try #require(report.job("only")?.output)
            #expect(try Tools.sha256(h.out + "/clips/only.mp4") == output.sha256)
            let info = try await Tools.probe(h.out + "/clips/only.mp4")
            #expect(info.width == 1280 && info.height == 720)
        }
    }

    @Test func corruptDownloadFailsTheJobAndLeavesNoClip() async throws {
        var faults = FaultPlan()
        faults.corruptDownloads = 100
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "corrupt", """
                  - id: bad
                    prompt: E2E corrupt
                  - id: after
                    prompt: E2E needs bad
                    first_frame: {shot: bad, frame: last}
                """))
            let result = try await h.run()
            #expect(result.code == 1, "\(result)")
            let record = await h.record()
            #expect(record.createAttemptCount == 1)
            #expect(record.requests.contains { $0.fault == "corrupt" })
            #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/bad.mp4"))
            let report = try await h.report()
            let bad = try #require(report.job("bad"))
            #expect(bad.status == "failed")
            #expect(bad.output == nil)
            #expect(bad.error != nil)
            #expect(report.job("after")?.status == "skipped")
        }
    }

    @Test func redirectLoopOnDownloadDoesNotHangOrDuplicate() async throws {
        var faults = FaultPlan()
        faults.redirectLoopDownloads = 1
        // The loop is on /content: without a video_url the run downloads from there.
        faults.withholdVideoURL = true
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "loop", """
                  - id: loop
                    prompt: E2E redirect loop
                """))
            let result = try await h.run(timeout: 60)
            #expect(!result.signalled, "\(result)")
            let record = await h.record()
            #expect(record.createAttemptCount == 1)
            #expect(record.contentCount < 100, "followed the redirect loop \(record.contentCount) times")
            let report = try await h.report()
            let job = try #require(report.job("loop"))
            if result.code == 0 {
                #expect(job.status == "succeeded")
                #expect(try Tools.sha256(h.out + "/clips/loop.mp4") == job.output?.sha256)
            } else {
                #expect(result.code == 1, "\(result)")
                #expect(job.status == "failed")
                #expect(!FileManager.default.fileExists(atPath: h.out + "/clips/loop.mp4"))
                // The video id was kept: the next run downloads it without a new generation.
                let again = try await h.run()
                #expect(again.code == 0, "\(again)")
                #expect(await h.record().createAttemptCount == 1)
                let retried = try await h.report()
                #expect(retried.job("loop")?.videoID == job.videoID)
                #expect(try Tools.sha256(h.out + "/clips/loop.mp4") == retried.job("loop")?.output?.sha256)
            }
        }
    }

    @Test func lostCreateAnswerIsAmbiguousAndNotResentUnlessAsked() async throws {
        var faults = FaultPlan()
        faults.loseCreateResponses = 1
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "lost", """
                  - id: lost
                    prompt: E2E lost answer
                  - id: fine
                    prompt: E2E fine
                """))
            let first = try await h.run(["--concurrency", "1"])
            #expect(first.code == 1, "\(first)")
            var record = await h.record()
            // The server took it (a job exists), the client never heard.
            #expect(record.createdPerPrompt["E2E lost answer"] == 1)
            #expect(record.creates.filter { $0.fields["prompt"] == "E2E lost answer" }.count == 1)
            var report = try await h.report()
            let lost = try #require(report.job("lost"))
            #expect(lost.status == "failed")
            #expect(lost.error?.code == "ambiguous_submission")
            #expect(lost.error?.message.contains("--resubmit-ambiguous") == true)
            #expect(report.job("fine")?.status == "succeeded")
            #expect((first.stdout + first.stderr).contains("ambiguous") || (first.stdout + first.stderr).contains("no answer"), "\(first)")

            // A plain re-run does not send it again.
            await h.emulator.reset()
            await h.emulator.setFaults(FaultPlan())
            let second = try await h.run()
            #expect(second.code == 1, "\(second)")
            record = await h.record()
            #expect(record.createAttemptCount == 0)
            report = try await h.report()
            #expect(report.job("lost")?.error?.code == "ambiguous_submission")
            #expect(report.job("fine")?.cached == true)

            // Asked explicitly: sent once more.
            let third = try await h.run(["--resubmit-ambiguous"])
            #expect(third.code == 0, "\(third)")
            record = await h.record()
            #expect(record.createdPrompts == ["E2E lost answer"])
            report = try await h.report()
            #expect(report.status == "succeeded")
        }
    }
}
