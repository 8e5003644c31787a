import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator

/// `kill -9` and SIGINT mid-run, then the same command again: nothing submitted is sent twice.
@Suite struct CrashTests {
    static let manifest = manifestYAML(name: "crash", """
          - id: a
            prompt: E2E crash a
          - id: b
            prompt: E2E crash b
          - id: c
            prompt: E2E crash c
          - id: d
            prompt: E2E crash d after a
            first_frame: {shot: a, frame: last}
        """)

    /// Starts a run with slow renders and waits until the journal records a, b and c as submitted.
    static func startAndWaitForSubmissions(_ h: Harness) async throws -> CLIProcess {
        try h.writeManifest(manifest)
        let process = try h.start(["--concurrency", "4"])
        let submitted = await eventually(timeout: 20) { h.journalCount("submitted") >= 3 }
        try #require(submitted, "the journal never showed 3 submitted jobs: \((try? String(contentsOfFile: h.journalPath, encoding: .utf8)) ?? "none")")
        // Nothing has finished rendering yet (3 s renders).
        #expect(h.journalCount("completed") == 0)
        return process
    }

    @Test func killNineThenResumeSendsNoSecondCreate() async throws {
        try await Harness.with(renderSeconds: 3) { h in
            let process = try await Self.startAndWaitForSubmissions(h)
            process.signal(SIGKILL)
            let killed = await process.wait()
            #expect(killed.signalled && killed.code == SIGKILL, "\(killed)")
            let before = await h.record()
            let submittedBefore = Set(before.createdPrompts)
            #expect(submittedBefore == ["E2E crash a", "E2E crash b", "E2E crash c"])

            let again = try await h.run(["--concurrency", "4"])
            #expect(again.code == 0, "\(again)")
            let after = await h.record()
            let newCreates = after.creates.dropFirst(before.creates.count)
            #expect(newCreates.compactMap { $0.fields["prompt"] }.filter { submittedBefore.contains($0) }.isEmpty,
                    "re-submitted: \(newCreates.map { $0.fields["prompt"] ?? "" })")
            #expect(after.createdPerPrompt == ["E2E crash a": 1, "E2E crash b": 1, "E2E crash c": 1, "E2E crash d after a": 1])
            let report = try await h.report()
            #expect(report.status == "succeeded")
            // The resumed jobs kept the video ids the server gave before the kill.
            let idsBefore = Set(before.creates.compactMap(\.videoID))
            for id in ["a", "b", "c"] {
                #expect(idsBefore.contains(report.job(id)?.videoID ?? "none"), "\(id)")
            }
            for path in ["clips/a.mp4", "clips/b.mp4", "clips/c.mp4", "clips/d.mp4"] {
                let info = try await Tools.probe(h.out + "/" + path)
                #expect(info.width == 1280, "\(path)")
            }
        }
    }

    @Test func sigintWritesAnInterruptedReportAndTheNextRunResumes() async throws {
        try await Harness.with(renderSeconds: 3) { h in
            let process = try await Self.startAndWaitForSubmissions(h)
            process.signal(SIGINT)
            let interrupted = await process.wait(timeout: 20)
            #expect(!interrupted.signalled && interrupted.code == 130, "\(interrupted)")
            let report = try await h.report()
            #expect(report.status == "interrupted")
            for id in ["a", "b", "c", "d"] {
                let job = try #require(report.job(id))
                #expect(job.status == "skipped", "\(id)")
                #expect(job.skippedBecause?.contains("interrupted") == true, "\(id): \(job.skippedBecause ?? "nil")")
            }
            #expect(report.job("a")?.videoID != nil)
            let before = await h.record()
            #expect(before.createCount == 3)

            let again = try await h.run(["--concurrency", "4"])
            #expect(again.code == 0, "\(again)")
            let after = await h.record()
            #expect(after.createdPerPrompt == ["E2E crash a": 1, "E2E crash b": 1, "E2E crash c": 1, "E2E crash d after a": 1])
            #expect(after.createAttemptCount == 4)
            #expect(try await h.report().status == "succeeded")
        }
    }
}
