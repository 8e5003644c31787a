import Foundation
import Testing
import VeoEmulator
import VeoManifest
import VeoProvider
import VeoRunner

/// The rough edges a new user and a hostile round met (issue 10), each reproduced end to end.
@Suite struct RoughEdgeTests {
    static let foundationText = ["NSCocoaErrorDomain", "Error Domain=", "The operation could not be completed", "UserInfo="]

    @Test func anOutputFolderThatIsAFileIsRefusedBeforeAnythingStarts() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E file as folder}"))
            try "not a folder".write(toFile: h.out, atomically: true, encoding: .utf8)
            let result = try await h.run()
            #expect(result.code == 73, "\(result)")
            #expect(result.stderr.contains("is a file, not a folder"), "\(result)")
            #expect(result.stderr.contains(h.out))
            for text in Self.foundationText { #expect(!result.stderr.contains(text), "\(result)") }
            #expect(await h.record().createAttemptCount == 0)
        }
    }

    @Test func aClipsLinkLeadingOutOfTheFolderIsRefused() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E planted link}"))
            let elsewhere = h.directory + "/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: h.out, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: h.out + "/clips", withDestinationPath: elsewhere)
            let result = try await h.run()
            #expect(result.code == 73, "\(result)")
            #expect(result.stderr.contains("symbolic link"), "\(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
            #expect(await h.record().createAttemptCount == 0)
        }
    }

    @Test(arguments: [
        (["--concurrency", "-3"], "--concurrency must be from 1 to 64"),
        (["--job-timeout", "-1"], "--job-timeout must be more than 0"),
        (["--poll-interval", "-2"], "--poll-interval must be more than 0"),
        (["--polls-per-second", "-1"], "--polls-per-second must be from 0 (no limit)"),
    ])
    func negativeNumbersReachTheRangeCheck(flags: [String], message: String) async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E flags}"))
            let result = try await h.run(flags)
            #expect(result.code == 64, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
            #expect(!result.stderr.contains("Missing value"), "\(result)")
        }
    }

    @Test func strictValidateSaysItFailedBecauseOfWarnings() async throws {
        try await Harness.with { h in
            // A 16:9 reference image for a 9:16 clip: a warning.
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E strict, size: 720x1280, references: [assets/lion.jpg]}"))
            let env = Harness.environment(key: nil)
            let plain = try await h.cli(["validate", h.manifest], environment: env)
            #expect(plain.code == 0, "\(plain)")
            #expect(plain.stdout.contains("valid: 1 job, 1 warning"), "\(plain)")
            let strict = try await h.cli(["validate", "--strict", h.manifest], environment: env)
            #expect(strict.code == 65, "\(strict)")
            #expect(strict.stderr.contains("invalid with --strict: 1 warning"), "\(strict)")
            #expect(!strict.stdout.contains("valid:"), "\(strict)")
        }
    }

    @Test func aFIFOAsAnImageIsRefusedWithoutHanging() async throws {
        try await Harness.with { h in
            #expect(mkfifo(h.directory + "/assets/pipe.png", 0o644) == 0)
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E fifo, references: [assets/pipe.png]}"))
            for command in ["validate", "plan"] {
                let result = try await h.cli([command, h.manifest], environment: Harness.environment(key: nil))
                #expect(result.code == 65, "\(result)")
                #expect(result.stderr.contains("not a regular file"), "\(result)")
            }
        }
    }

    @Test func anImageOverTheUploadLimitIsRefusedByValidate() async throws {
        try await Harness.with { h in
            let path = h.directory + "/assets/huge.png"
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            #expect(FileManager.default.createFile(atPath: path, contents: Data(png)))
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: UInt64(ProviderLimits.maxImageBytes + 1))  // sparse: no disk used
            try handle.close()
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E huge, references: [assets/huge.png]}"))
            let result = try await h.cli(["validate", h.manifest], environment: Harness.environment(key: nil))
            #expect(result.code == 65, "\(result)")
            #expect(result.stderr.contains("more than the 50 MiB"), "\(result)")
        }
    }

    @Test func serverTextNeverReachesTheTerminalRaw() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        faults.failCode = "bad\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}code"
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E DOOMED escape}"))
            let result = try await h.run()
            #expect(result.code == 1, "\(result)")
            let output = result.stdout + result.stderr
            #expect(!output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{202E}" }, "\(result)")
            #expect(output.contains("\\u{1B}]0;owned"), "\(result)")
        }
    }

    @Test func childProcessesDoNotInheritTheAPIKey() async throws {
        try await Harness.with { h in
            // An ffmpeg and ffprobe earlier on PATH that record their environment, then run the
            // real ones (the run starts ffmpeg at least for the contact sheet's stills).
            let bin = h.directory + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            let log = h.directory + "/child-env.txt"
            for tool in ["ffmpeg", "ffprobe"] {
                let real = try #require(Self.which(tool))
                try "#!/bin/sh\nenv >> '\(log)'\nexec '\(real)' \"$@\"\n".write(toFile: bin + "/" + tool, atomically: true, encoding: .utf8)
                #expect(chmod(bin + "/" + tool, 0o755) == 0)
            }
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E env}"))
            var env = Harness.environment(key: Harness.defaultKey)
            env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
            let result = try await h.cli(h.runArguments(), environment: env)
            #expect(result.code == 0, "\(result)")
            let seen = try String(contentsOfFile: log, encoding: .utf8)
            #expect(seen.contains("PATH="))
            #expect(!seen.contains("VEO_API_KEY"))
            #expect(!seen.contains(Harness.defaultKey))
        }
    }

    @Test func clipsOfAnotherServerAreNotSilentlyRenderedAgain() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E origin}"))
            #expect(try await h.run().code == 0)
            let localhost = h.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            let env = Harness.environment(key: h.key)
            let again = try await h.cli(["run", h.manifest, "--base-url", localhost, "--out", h.out, "--poll-interval", "0.1"], environment: env)
            #expect(again.code == 0, "\(again)")
            #expect(again.stderr.contains("warning: the clips in"), "\(again)")
            #expect(again.stderr.contains("--base-url \(h.baseURL)"), "\(again)")
            // Back on the first server nothing is rendered and nothing is said.
            let third = try await h.run()
            #expect(!third.stderr.contains("warning:"), "\(third)")
            #expect(await h.record().createCount == 2)
        }
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Interrupts: the report and the journal are always written (issue 10).
@Suite struct InterruptTests {
    @Test func oneInterruptDeliveredTwiceStillWritesTheReport() async throws {
        try await Harness.with(renderSeconds: 3) { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E interrupted twice at once}"))
            let process = try h.start()
            #expect(await eventually(timeout: 20) { h.journalCount("submitted") >= 1 })
            // As `timeout -s INT` and a terminal's Ctrl-C can: to the process, then again to its group.
            process.signal(SIGINT)
            process.signal(SIGINT)
            let result = await process.wait(timeout: 30)
            #expect(result.code == 130, "\(result)")
            let report = try await h.report()
            #expect(report.status == "interrupted")
            #expect(report.job("a")?.skippedBecause?.contains("resumes video") == true, "\(report.job("a").debugDescription)")
            #expect(result.stdout.contains("Run interrupted"), "\(result)")
        }
    }

    @Test func aSecondInterruptStopsWaitingForACreateAnswerAndTheNextRunDoesNotResend() async throws {
        var faults = FaultPlan()
        faults.responseDelayMilliseconds = 6000
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E slow create answer}"))
            let process = try h.start()
            #expect(await eventually(timeout: 20) { h.journalCount("submitting") >= 1 })
            let started = Date()
            process.signal(SIGINT)
            try await Task.sleep(for: .milliseconds(1300))
            process.signal(SIGINT)
            let result = await process.wait(timeout: 30)
            #expect(Date().timeIntervalSince(started) < 5, "it waited for the answer: \(result)")
            #expect(result.code == 130, "\(result)")
            let report = try await h.report()
            #expect(report.status == "interrupted")
            #expect(report.job("a")?.error?.code == "ambiguous_submission", "\(report.job("a").debugDescription)")
            // The emulator did take it: the next run reports it and does not pay again.
            await h.emulator.setFaults(FaultPlan())
            let again = try await h.run()
            #expect(again.code == 1, "\(again)")
            #expect(try await h.report().job("a")?.error?.code == "ambiguous_submission")
            #expect(h.journalCount("submitting") == 1, "the second run sent the create again")
            #expect(await eventually(timeout: 10) { await h.record().createAttemptCount == 1 })
        }
    }
}

/// Servers that cannot be used, and resuming emulated runs (issue 10).
@Suite struct ServerEdgeTests {
    @Test func anEmulatorOnABusyPortSaysSoAndSuggestsPortZero() async throws {
        try await Harness.with { h in
            let port = try #require(URL(string: h.baseURL)?.port)
            let result = try await h.cli(["emulator", "--port", String(port)], environment: Harness.environment(key: nil))
            #expect(result.code == 69, "\(result)")
            #expect(result.stderr.contains("port \(port) is already in use"), "\(result)")
            #expect(result.stderr.contains("--port 0"), "\(result)")
            #expect(!result.stderr.contains("errno"), "\(result)")
        }
    }

    @Test func aServerThatRefusesConnectionsIsOneClearLineAndStopsTheRun() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("""
                  - {id: a, prompt: E2E nobody home}
                  - {id: b, prompt: E2E nobody home either}
                  - {id: c, prompt: E2E nor here}
                """))
            let env = Harness.environment(key: h.key)
            let result = try await h.cli(["run", h.manifest, "--base-url", "http://127.0.0.1:9", "--out", h.out, "--concurrency", "1"], environment: env)
            #expect(result.code == 1, "\(result)")
            let report = try await h.report()
            #expect(report.job("a")?.error?.code == "unreachable")
            #expect(report.job("a")?.error?.message.hasPrefix("cannot connect to http://127.0.0.1:9: connection refused") == true, "\(report.job("a").debugDescription)")
            #expect(report.job("b")?.skippedBecause?.contains("the server cannot be reached") == true)
            #expect(report.job("c")?.status == "skipped")
            #expect(!result.stderr.contains("errno") && !result.stderr.contains("transport: transport"), "\(result)")
        }
    }

    @Test func aKillWhileWaitingOutA429LeavesNoFalseAmbiguousJob() async throws {
        var faults = FaultPlan()
        faults.rateLimitCreates = 100
        faults.retryAfterSeconds = 30
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E rate limited then killed}"))
            let process = try h.start()
            #expect(await eventually(timeout: 20) { h.journalCount("not_taken") >= 1 })
            process.signal(SIGKILL)
            _ = await process.wait()
            await h.emulator.setFaults(FaultPlan())
            let again = try await h.run()
            #expect(again.code == 0, "the job was held back as ambiguous: \(again)")
            #expect(await h.record().createCount == 1)
        }
    }

    @Test func anEmulatedRunInterruptedThenResumedFinishesWithoutNewRenders() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("""
                  - {id: a, prompt: E2E emulated resume one}
                  - {id: b, prompt: E2E emulated resume two}
                """))
            let out = h.directory + "/emulated"
            let arguments = ["run", h.manifest, "--emulate", "--emulator-render-seconds", "4", "--out", out, "--poll-interval", "0.2"]
            let first = try CLIProcess(arguments: arguments, environment: Harness.environment(key: nil), directory: h.directory)
            let journal = out + "/journal.jsonl"
            #expect(await eventually(timeout: 20) {
                ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").components(separatedBy: "\"event\":\"submitted\"").count > 2
            })
            first.signal(SIGINT)
            #expect(await first.wait().code == 130)
            let resumed = try await h.cli(arguments, environment: Harness.environment(key: nil))
            #expect(resumed.code == 0, "\(resumed)")
            #expect(resumed.stdout.contains("resumed") || resumed.stderr.contains("resumed"), "\(resumed)")
            let text = try String(contentsOfFile: journal, encoding: .utf8)
            #expect(text.components(separatedBy: "\"event\":\"submitting\"").count - 1 <= 2, "a job was submitted again")
        }
    }
}
