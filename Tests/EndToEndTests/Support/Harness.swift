import Foundation
import Testing
import VeoRunner
import VeoManifest
import VeoProvider
import VeoEmulator
import VeoReport

/// Paths of the package, found from this file: Tests/EndToEndTests/Support/Harness.swift.
enum Package {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var binary: String { root + "/.build/debug/veo-pipeline" }
    static var schema: String { root + "/schemas/run-report.schema.json" }
    static var assets: String { root + "/pipelines/assets" }
}

/// The outcome of one run of the CLI.
struct CLIResult: Sendable, CustomStringConvertible {
    var code: Int32
    var stdout: String
    var stderr: String
    /// True when the process was killed by a signal (then `code` is the signal number).
    var signalled: Bool

    var description: String { "exit \(code)\(signalled ? " (signal)" : "")\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)" }
}

/// A running CLI process; its output goes to files, so no pipe can fill and block it.
final class CLIProcess: @unchecked Sendable {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    private let done: AsyncStream<Void>

    init(arguments: [String], environment: [String: String], directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Package.binary) else {
            throw HarnessError("the built CLI is missing at \(Package.binary); run `swift build` first")
        }
        let tag = UUID().uuidString
        stdoutPath = NSTemporaryDirectory() + "e2e-\(tag).out"
        stderrPath = NSTemporaryDirectory() + "e2e-\(tag).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Package.binary)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        done = stream
        process.terminationHandler = { _ in
            continuation.yield()
            continuation.finish()
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit (killing it after `timeout` seconds, which the result then shows).
    func wait(timeout: Double = 90) async -> CLIResult {
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout))
            kill(pid, SIGKILL)
        }
        for await _ in done { break }
        watchdog.cancel()
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        var err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let signalled = process.terminationReason == .uncaughtSignal
        if signalled && process.terminationStatus == SIGKILL && watchdog.isCancelled == false {
            err += "\n[harness: killed after \(timeout) s]"
        }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
        return CLIResult(code: process.terminationStatus, stdout: out, stderr: err, signalled: signalled)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One test's world: a temporary folder with a manifest and the sample assets, an emulator on a
/// free port, and an out dir.
final class Harness: @unchecked Sendable {
    static let defaultKey = "sk-test-SECRET-1234"

    let directory: String
    let emulator: Emulator
    let baseURL: String
    var key: String = Harness.defaultKey
    var out: String { directory + "/out" }
    var manifest: String { directory + "/shots.yaml" }

    private init(directory: String, emulator: Emulator, baseURL: String) {
        self.directory = directory
        self.emulator = emulator
        self.baseURL = baseURL
    }

    /// Runs `body` with a fresh harness and always stops its emulator and removes its folder.
    static func with<T>(
        renderSeconds: Double = 0.3, apiKey: String? = Harness.defaultKey, faults: FaultPlan = FaultPlan(),
        _ body: (Harness) async throws -> T
    ) async throws -> T {
        let directory = NSTemporaryDirectory() + "veo-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/assets", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: Package.assets) {
            try FileManager.default.copyItem(atPath: Package.assets + "/" + name, toPath: directory + "/assets/" + name)
        }
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.renderSeconds = renderSeconds
        configuration.apiKey = apiKey
        configuration.faults = faults
        configuration.maxConcurrentRenders = 2
        let emulator = Emulator(configuration: configuration)
        let baseURL = try await emulator.start()
        let harness = Harness(directory: directory, emulator: emulator, baseURL: baseURL)
        do {
            let result = try await body(harness)
            await emulator.stop()
            try? FileManager.default.removeItem(atPath: directory)
            return result
        } catch {
            await emulator.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func writeManifest(_ yaml: String) throws {
        try yaml.write(toFile: manifest, atomically: true, encoding: .utf8)
    }

    static func environment(key: String?, extra: [String: String] = [:]) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var env: [String: String] = ["CI": "true", "NO_COLOR": "1"]
        for name in ["PATH", "HOME", "TMPDIR", "LANG", "LD_LIBRARY_PATH"] { env[name] = inherited[name] }
        if let key { env["VEO_API_KEY"] = key }
        env.merge(extra) { $1 }
        return env
    }

    /// The standard arguments of a run against this harness's emulator.
    func runArguments(_ extra: [String] = []) -> [String] {
        ["run", manifest, "--base-url", baseURL, "--out", out, "--poll-interval", "0.1"] + extra
    }

    func start(_ extra: [String] = [], key: String? = nil) throws -> CLIProcess {
        try CLIProcess(arguments: runArguments(extra), environment: Self.environment(key: key ?? self.key), directory: directory)
    }

    /// Runs the CLI against the emulator and waits for it.
    func run(_ extra: [String] = [], key: String? = nil, timeout: Double = 90) async throws -> CLIResult {
        try await start(extra, key: key).wait(timeout: timeout)
    }

    /// Any CLI invocation, in this harness's folder.
    func cli(_ arguments: [String], environment: [String: String]) async throws -> CLIResult {
        try await CLIProcess(arguments: arguments, environment: environment, directory: directory).wait()
    }

    var reportPath: String { out + "/report.json" }
    var journalPath: String { out + "/journal.jsonl" }

    /// Reads `<out>/report.json`, after validating it against the schema.
    func report(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> RunReport {
        try await Schema.validate(reportPath, sourceLocation: sourceLocation)
        let data = try Data(contentsOf: URL(fileURLWithPath: reportPath))
        return try JSONDecoder().decode(RunReport.self, from: data)
    }

    func record() async -> EmulatorRecord { await emulator.record() }

    /// Lines of the journal with this event.
    func journalCount(_ event: String) -> Int {
        guard let text = try? String(contentsOfFile: journalPath, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").filter { $0.contains("\"event\":\"\(event)\"") }.count
    }
}

extension EmulatorRecord {
    /// Created jobs per prompt.
    var createdPerPrompt: [String: Int] {
        var counts: [String: Int] = [:]
        for c in creates where c.videoID != nil { counts[c.fields["prompt"] ?? "", default: 0] += 1 }
        return counts
    }

    /// Prompts of creates that created a job, in order.
    var createdPrompts: [String] { creates.filter { $0.videoID != nil }.map { $0.fields["prompt"] ?? "" } }
}

extension RunReport {
    func job(_ id: String) -> RunReport.Job? { jobs.first { $0.id == id } }
}

/// Validation of reports with check-jsonschema (a test dependency: `pip install check-jsonschema`).
enum Schema {
    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/check-jsonschema"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func validate(_ path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("no report at \(path)", sourceLocation: sourceLocation)
            return
        }
        guard let tool = executable() else {
            Issue.record("check-jsonschema is not installed: pip install check-jsonschema", sourceLocation: sourceLocation)
            return
        }
        let result = try await Tools.run(tool, ["--schemafile", Package.schema, path])
        if result.status != 0 {
            Issue.record("report \(path) does not match schemas/run-report.schema.json:\n\(result.output)", sourceLocation: sourceLocation)
        }
    }
}

/// Other tools: ffmpeg, ffprobe, check-jsonschema.
enum Tools {
    struct Output {
        var status: Int32
        var output: String
        var data: Data
    }

    static func run(_ executable: String, _ arguments: [String]) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? arguments : [executable] + arguments
        let outPath = NSTemporaryDirectory() + "e2e-tool-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let errPath = outPath + ".err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in continuation.yield(); continuation.finish() }
        try process.run()
        for await _ in stream { break }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self) + err, data: data)
    }

    /// The RGB of one pixel of an image or of a video's first frame.
    static func pixel(_ image: String, x: Int = 8, y: Int = 8) async throws -> [Int] {
        let r = try await run("ffmpeg", ["-v", "error", "-i", image, "-frames:v", "1", "-vf", "crop=1:1:\(x):\(y)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        guard r.status == 0, r.data.count == 3 else { throw HarnessError("cannot read a pixel of \(image): \(r.output)") }
        return r.data.map { Int($0) }
    }

    /// The last frame of a clip, extracted as the spec says.
    static func lastFrame(of clip: String, to png: String) async throws {
        let r = try await run("ffmpeg", ["-v", "error", "-y", "-sseof", "-0.5", "-i", clip, "-update", "1", png])
        guard r.status == 0 else { throw HarnessError("ffmpeg could not extract the last frame of \(clip): \(r.output)") }
    }

    static func firstFrame(of clip: String, to png: String) async throws {
        let r = try await run("ffmpeg", ["-v", "error", "-y", "-i", clip, "-frames:v", "1", png])
        guard r.status == 0 else { throw HarnessError("ffmpeg could not extract the first frame of \(clip): \(r.output)") }
    }

    /// Width, height and duration of a clip's video stream.
    static func probe(_ clip: String) async throws -> (width: Int, height: Int, duration: Double) {
        let r = try await run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration", "-of", "default=noprint_wrappers=1", clip])
        guard r.status == 0 else { throw HarnessError("ffprobe failed on \(clip): \(r.output)") }
        var values: [String: String] = [:]
        for line in r.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return (Int(values["width"] ?? "") ?? -1, Int(values["height"] ?? "") ?? -1, Double(values["duration"] ?? "") ?? -1)
    }

    static func sha256(_ path: String) throws -> String {
        try CacheKey.sha256(ofFile: path)
    }

    static func distance(_ a: [Int], _ b: [Int]) -> Int { zip(a, b).map { abs($0 - $1) }.reduce(0, +) }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
func eventually(timeout: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// A manifest header with small defaults.
func manifestYAML(name: String = "e2e", _ shots: String) -> String {
    """
    version: 1
    name: \(name)
    defaults:
      model: veo-3.1-fast-generate-preview
      seconds: 4
      size: 1280x720
    shots:
    \(shots)
    """
}
