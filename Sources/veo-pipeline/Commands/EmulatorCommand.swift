import ArgumentParser
import Foundation
import VeoEmulator

struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local emulator of the provider's video API (offline, free).",
        discussion: """
            Serves POST /v1/videos, GET /v1/videos/{id} and GET /v1/videos/{id}/content on a \
            local port, validating requests exactly as the provider does. Jobs go queued → \
            in_progress → completed over --render-seconds (± --render-jitter, drawn per job) and \
            serve a real MP4 of the requested size and duration, rendered with ffmpeg (install \
            it: apt-get install -y ffmpeg), or the file given with --serve-file. Any non-empty \
            bearer token is accepted unless --api-key is set.

            Faults can be injected from the start with the flags below (counts mean "the first N \
            matching requests"), or at runtime over HTTP:
              GET  /_emulator/record   every request received (JSON)
              GET  /_emulator/faults   the fault plan in force
              PUT  /_emulator/faults   replace the fault plan (JSON, e.g. {"rateLimitCreates": 2})
              POST /_emulator/reset    clear the record and the fault counters

            Examples:
              veo-pipeline emulator
              veo-pipeline emulator --port 0 --render-seconds 0.5
              veo-pipeline emulator --rate-limit-creates 2 --fail-prompt explode
              veo-pipeline emulator --faults '{"pollServerErrors": 3, "truncateDownloads": 1}'
              curl -s http://127.0.0.1:8089/_emulator/record

            Stop it with Ctrl-C.
            """
    )

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 = any free port).")
    var port = 8089

    @Option(help: "Seconds from queued to completed.")
    var renderSeconds: Double = 3

    @Option(help: ArgumentHelp("Each job's render time is drawn uniformly from --render-seconds ± this (at least 0.2 s).", valueName: "s"))
    var renderJitter: Double = 0

    @Option(help: "Accept only this bearer token (default: any non-empty token).")
    var apiKey: String?

    @Option(help: ArgumentHelp("Directory for jobs and rendered clips; an emulator started again on it knows the earlier video ids (default: a temporary directory removed on exit).", valueName: "dir"))
    var storage: String?

    @Option(help: ArgumentHelp("Serve this MP4 for every completed job instead of rendering one.", valueName: "file"))
    var serveFile: String?

    @Option(help: ArgumentHelp("ffmpeg executable (path or name on PATH).", valueName: "path"))
    var ffmpeg = "ffmpeg"

    @Option(help: ArgumentHelp("A whole fault plan as JSON; the fault flags below override its fields.", valueName: "json"))
    var faults: String?

    @Option(help: ArgumentHelp("Answer the first N creates 429 with Retry-After.", valueName: "n"))
    var rateLimitCreates: Int?

    @Option(help: ArgumentHelp("Retry-After seconds of 429 and 503 answers.", valueName: "s"))
    var retryAfter: Int?

    @Option(help: ArgumentHelp("Answer the first N creates 503 (job not taken).", valueName: "n"))
    var unavailableCreates: Int?

    @Option(help: ArgumentHelp("Answer the first N polls 500/502/503 in turn.", valueName: "n"))
    var pollServerErrors: Int?

    @Option(help: ArgumentHelp("Jobs whose prompt contains this text end failed (repeatable).", valueName: "text"))
    var failPrompt: [String] = []

    @Option(help: ArgumentHelp("error.code of jobs failed by --fail-prompt.", valueName: "code"))
    var failCode: String?

    @Option(help: ArgumentHelp("Cut the first N file downloads short (full Content-Length, then close).", valueName: "n"))
    var truncateDownloads: Int?

    @Option(help: ArgumentHelp("Serve a non-MP4 body for the first N file downloads.", valueName: "n"))
    var corruptDownloads: Int?

    @Option(help: ArgumentHelp("Send the first N content requests into an endless redirect loop.", valueName: "n"))
    var redirectLoopDownloads: Int?

    @Option(help: ArgumentHelp("Delay every answer by this many milliseconds.", valueName: "ms"))
    var delayMs: Int?

    @Option(help: ArgumentHelp("Create the job but drop the connection unanswered, for the first N creates.", valueName: "n"))
    var loseCreateResponses: Int?

    @Option(help: ArgumentHelp("Answer creates beyond N unfinished jobs 429 concurrency_limit_exceeded.", valueName: "n"))
    var maxConcurrentJobs: Int?

    @Option(help: ArgumentHelp("Show this status instead of in_progress (e.g. processing).", valueName: "status"))
    var nonStandardStatus: String?

    @Flag(help: "Give completed jobs no video_url: clients must download through /content and its redirect.")
    var withholdVideoURL = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port).") }
        guard renderSeconds >= 0, renderSeconds.isFinite else {
            throw ValidationError("--render-seconds must be a non-negative number.")
        }
        guard renderJitter >= 0, renderJitter.isFinite else {
            throw ValidationError("--render-jitter must be a non-negative number.")
        }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty.") }
        let counts = [
            rateLimitCreates, retryAfter, unavailableCreates, pollServerErrors, truncateDownloads,
            corruptDownloads, redirectLoopDownloads, delayMs, loseCreateResponses, maxConcurrentJobs,
        ]
        if counts.contains(where: { ($0 ?? 0) < 0 }) { throw ValidationError("Fault counts must not be negative.") }
        _ = try faultPlan()
    }

    func faultPlan() throws -> FaultPlan {
        var plan = FaultPlan()
        if let faults {
            do {
                plan = try JSONDecoder().decode(FaultPlan.self, from: Data(faults.utf8))
            } catch {
                throw ValidationError("--faults is not a valid fault plan JSON object: \(error)")
            }
        }
        if let rateLimitCreates { plan.rateLimitCreates = rateLimitCreates }
        if let retryAfter { plan.retryAfterSeconds = retryAfter }
        if let unavailableCreates { plan.unavailableCreates = unavailableCreates }
        if let pollServerErrors { plan.pollServerErrors = pollServerErrors }
        if !failPrompt.isEmpty { plan.failPromptsContaining += failPrompt }
        if let failCode { plan.failCode = failCode }
        if let truncateDownloads { plan.truncateDownloads = truncateDownloads }
        if let corruptDownloads { plan.corruptDownloads = corruptDownloads }
        if let redirectLoopDownloads { plan.redirectLoopDownloads = redirectLoopDownloads }
        if let delayMs { plan.responseDelayMilliseconds = delayMs }
        if let loseCreateResponses { plan.loseCreateResponses = loseCreateResponses }
        if let maxConcurrentJobs { plan.maxConcurrentJobs = maxConcurrentJobs }
        if let nonStandardStatus { plan.nonStandardStatus = nonStandardStatus }
        if withholdVideoURL { plan.withholdVideoURL = true }
        return plan
    }

    func run() async throws {
        var configuration = EmulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.renderSeconds = renderSeconds
        configuration.renderJitter = renderJitter
        configuration.apiKey = apiKey
        configuration.storageDirectory = storage
        configuration.serveFile = serveFile
        configuration.ffmpegPath = ffmpeg
        configuration.faults = try faultPlan()
        let emulator = Emulator(configuration: configuration)
        do {
            try await emulator.run { url in
                let render = renderJitter > 0 ? "\(renderSeconds) ± \(renderJitter) s" : "\(renderSeconds) s"
                print("Emulator listening on \(url) (render \(render); Ctrl-C to stop)")
                fflush(nil)
            }
        } catch let error as EmulatorError {
            Terminal.writeStderr("error: \(error.description)\n")
            throw ExitCode(69)
        }
        print("Emulator stopped.")
    }
}
