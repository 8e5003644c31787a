import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// `veo-pipeline run shots.yaml | head -1`: the reader of stdout (or stderr) goes away while
/// creates are in flight. The run still finishes, journals every answer and writes its report and
/// views, and exits as if printing had worked (issue 24, item 2).
@Suite struct ClosedOutputTests {
    static let manifest = manifestYAML(name: "closed", """
          - {id: a, prompt: E2E closed a}
          - {id: b, prompt: E2E closed b}
          - {id: c, prompt: E2E closed c}
          - {id: d, prompt: E2E closed d}
          - id: e
            prompt: E2E closed e after a
            first_frame: {shot: a, frame: last}
        """)

    /// Every create is answered late, so the others are in flight when the first line is printed.
    static var slowCreates: FaultPlan {
        var faults = FaultPlan()
        faults.responseDelayMilliseconds = 300
        return faults
    }

    @Test func aStdoutClosedAfterItsFirstLineStopsThePrintingNotTheRun() async throws {
        try await Harness.with(renderSeconds: 0.5, faults: Self.slowCreates) { h in
            try h.writeManifest(Self.manifest)
            let junit = h.directory + "/junit.xml"
            let result = try await PipedRun.run(
                h.runArguments(["--concurrency", "4", "--junit", junit]), environment: Harness.environment(key: h.key),
                directory: h.directory, closeStdoutAfterFirstLine: true, closeStderr: false)
            #expect(!result.signalled && result.code == 0, "\(result)")
            #expect(result.firstLine.contains("closed"), "the reader got its line: \(result)")
            try await Self.expectFinished(h, junit: junit)
        }
    }

    @Test func bothStreamsClosedAtOnceWithVerboseLoggingStillFinishes() async throws {
        try await Harness.with(renderSeconds: 0.5, faults: Self.slowCreates) { h in
            try h.writeManifest(Self.manifest)
            let junit = h.directory + "/junit.xml"
            let result = try await PipedRun.run(
                h.runArguments(["--concurrency", "4", "--verbose", "--junit", junit]), environment: Harness.environment(key: h.key),
                directory: h.directory, closeStdoutAfterFirstLine: false, closeStderr: true)
            #expect(!result.signalled && result.code == 0, "\(result)")
            try await Self.expectFinished(h, junit: junit)
        }
    }

    @Test func aFailedJobStillExitsOneWithNobodyReading() async throws {
        var faults = Self.slowCreates
        faults.failPromptsContaining = ["closed d"]
        try await Harness.with(renderSeconds: 0.5, faults: faults) { h in
            try h.writeManifest(Self.manifest)
            let result = try await PipedRun.run(
                h.runArguments(["--concurrency", "4"]), environment: Harness.environment(key: h.key),
                directory: h.directory, closeStdoutAfterFirstLine: false, closeStderr: true)
            #expect(!result.signalled && result.code == 1, "the exit code is the run's, as if printing worked: \(result)")
            #expect(try await h.report().job("d")?.error?.code == "generation_failed")
        }
    }

    /// The report, the contact sheet and JUnit are written; every submission has its answer.
    static func expectFinished(_ h: Harness, junit: String) async throws {
        let report = try await h.report()
        #expect(report.status == "succeeded" && report.summary.succeeded == 5, "\(report.summary)")
        #expect(FileManager.default.fileExists(atPath: h.out + "/index.html"))
        #expect(FileManager.default.fileExists(atPath: junit))
        #expect(h.journalCount("submitting") == 5 && h.journalCount("submitted") == 5, "a submission without its answer")
        #expect(await h.record().createdPrompts.count == 5)
    }
}

/// The CLI with stdout and stderr as pipes whose reader can go away, as `| head -1` does.
enum PipedRun {
    struct Result: CustomStringConvertible {
        var code: Int32
        var signalled: Bool
        var firstLine: String
        var description: String { "exit \(code)\(signalled ? " (signal)" : ""); first line: \(firstLine.debugDescription)" }
    }

    static func run(
        _ arguments: [String], environment: [String: String], directory: String, closeStdoutAfterFirstLine: Bool, closeStderr: Bool
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Package.binary)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let (done, finished) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            finished.yield()
            finished.finish()
        }
        try process.run()
        if closeStderr { try err.fileHandleForReading.close() }
        var firstLine = ""
        if closeStdoutAfterFirstLine {
            let fd = out.fileHandleForReading.fileDescriptor
            firstLine = await Task.detached { readFirstLine(fd) }.value
        }
        try out.fileHandleForReading.close()
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: .seconds(90))
            kill(pid, SIGKILL)
        }
        for await _ in done { break }
        watchdog.cancel()
        if !closeStderr { try? err.fileHandleForReading.close() }
        return Result(code: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal, firstLine: firstLine)
    }

    /// Reads up to the first line break (or the end), a byte at a time, as `head -1` would.
    private static func readFirstLine(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 && byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
