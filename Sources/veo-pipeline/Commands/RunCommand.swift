import ArgumentParser
import Foundation
import Logging
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoSupport
import VeoViews
import VeoEmulator

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Render a manifest: run its jobs against the video API, write the clips and a report.",
        discussion: """
            Validates the manifest, then runs each job as soon as the jobs it depends on are done, \
            at most --concurrency rendering at a time: submit, poll, download, check the clip's \
            size and duration (a finished render's download goes on beside the next render). \
            Clips go to <out>/clips/, the report to <out>/report.json, and every submission is \
            recorded in <out>/journal.jsonl before it is polled.

            Re-running is safe and cheap: a job whose request and input images are unchanged is \
            taken from <out> with no API call; a job already submitted is resumed by its video id \
            (never submitted twice); a submission whose answer was lost is reported, not re-sent. \
            Ctrl-C stops submitting, writes the report and exits 130; run again to resume. \
            A second Ctrl-C stops waiting for answers to create requests in flight.

            Needs VEO_API_KEY (not with --emulate). The server is --base-url, else VEO_BASE_URL, \
            else the provider's production server. Requires ffmpeg/ffprobe.

            Exit status: 0 all jobs succeeded (or were cached); 1 a job failed or was skipped \
            because of one, or the run could not start (ffmpeg missing, the shared cache \
            unreachable); 3 over budget (nothing was submitted), the estimate declined, or jobs \
            left out by --render-what-fits; 64 usage error (a bad flag, an unusable --prices file, \
            no VEO_API_KEY); 65 invalid manifest; 73 the output folder cannot be created or \
            written, or the JUnit file cannot be written; 130 interrupted.

            Examples:
              veo-pipeline run pipelines/demo.yaml --emulate        # no key, no cost
              VEO_API_KEY=... veo-pipeline run shots.yaml --out renders/trailer
              veo-pipeline run shots.yaml --only hero --force       # re-render one shot
            """)

    @Argument(help: ArgumentHelp("The manifest.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Output folder (default: renders/<manifest name>, or renders/<manifest name>-emulated with --emulate).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("API server root, e.g. https://api.example.com (default: $VEO_BASE_URL or the provider's server).", valueName: "url"))
    var baseURL: String?

    @Option(parsing: .unconditional, help: "Jobs rendering at the provider at once (1 to 64); downloads of finished renders go on beside them.")
    var concurrency = 4

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between status polls (the provider asks for 6 to 10; default 8, or 1 with --emulate).", valueName: "seconds"))
    var pollInterval: Double?

    @Option(help: ArgumentHelp(
        "How polls are timed: learned (default: a created job is first polled when jobs like it were seen done in this run) or plain (the reference: each job from its own answers only).",
        valueName: "plan", visibility: .hidden))
    var pollPlanning: PollPlanningOption = .learned

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds one job may take from submission to completion.", valueName: "seconds"))
    var jobTimeout: Double = 1200

    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many create requests per minute.", valueName: "n"))
    var requestsPerMinute: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "At most this many status polls a second for the whole run, after a burst of 32; the jobs predicted to finish soonest go first (default 50; 0: no limit).",
        valueName: "n"))
    var pollsPerSecond: Double?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run only these jobs, shots or cuts (and the upstream clips they need).", valueName: "job-shot-or-cut"))
    var only: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Refuse a downloaded clip larger than this many MB (default: a generous limit from each job's size and length, at least 64 MB).", valueName: "mb"))
    var maxDownloadMB: Int?

    @Flag(help: "Re-render the selected jobs even when their clips are cached (this is paid for again).")
    var force = false

    @Flag(help: "Stop starting jobs after the first failure.")
    var failFast = false

    @Flag(help: "Submit again jobs whose earlier submission got no answer (may pay twice).")
    var resubmitAmbiguous = false

    @Flag(help: "Start the bundled emulator on a free loopback port and run against it (no key, no cost).")
    var emulate = false

    @Option(parsing: .unconditional, help: ArgumentHelp("With --emulate: seconds each emulated job takes to render.", valueName: "seconds"))
    var emulatorRenderSeconds: Double = 2

    @Flag(help: "Print only errors and the summary.")
    var quiet = false

    @Flag(help: "Log each API request (the key is never shown).")
    var verbose = false

    @OptionGroup(title: "Money")
    var money: MoneyOptions

    @OptionGroup(title: "CI outputs")
    var ci: CIOutputOptions

    @OptionGroup(title: "Shared cache")
    var sharedCache: SharedCacheFlags

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be from 1 to 64") }
        if let p = pollInterval, !(p > 0 && p <= 600) { throw ValidationError("--poll-interval must be more than 0 and at most 600 seconds") }
        guard jobTimeout > 0 && jobTimeout <= 7 * 24 * 3600 else {
            throw ValidationError("--job-timeout must be more than 0 seconds and at most 7 days (604800)")
        }
        if let r = requestsPerMinute, r < 1 { throw ValidationError("--requests-per-minute must be at least 1") }
        if let p = pollsPerSecond, !(p >= 0 && p <= 100_000) { throw ValidationError("--polls-per-second must be from 0 (no limit) to 100000") }
        try money.check()
        if let mb = maxDownloadMB, !(1...100_000).contains(mb) { throw ValidationError("--max-download-mb must be from 1 to 100000") }
        if emulate && baseURL != nil { throw ValidationError("--emulate and --base-url cannot be used together") }
        if let baseURL {
            guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw ValidationError("--base-url must be an http(s) URL such as https://api.example.com")
            }
        }
    }

    func run() async throws {
        let (plan, manifest) = try loadPlan()
        let outDirectory = out ?? (emulate ? "renders/\(plan.name)-emulated" : "renders/\(plan.name)")
        // Before the output folder is made: a run that cannot start leaves no empty folder behind.
        if !emulate { _ = try apiKey() }
        do {
            try OutputLayout(root: outDirectory).checkWritable()
        } catch {
            Terminal.writeStderr("error: \(FileErrorText.describe(error))\n")
            throw Exit.cannotWrite
        }
        // The shared cache is checked before anything is paid for.
        let shared = try await sharedCache.open()
        if let shared, !shared.cache.supportsCreateOnly {
            Terminal.writeStderr("note: \(shared.cache.name) shares results but not claims: runners working at the same time may each submit a job\n")
        }
        let media = MediaTools()
        let api = try await startAPI(outDirectory: outDirectory)
        do {
            try await media.preflight()
        } catch {
            await api.emulator?.stop()
            Terminal.writeStderr("error: \(FileErrorText.describe(error))\n")
            throw Exit.failed
        }
        // Interrupts are handled until the report is written: a late signal never loses it.
        var settings = runOptions(outDirectory: outDirectory, baseURL: api.baseURL)
        settings.prices = try money.priceTable(manifest: manifest)
        settings.budget = money.limits(manifest: manifest)
        settings.sharedCache = shared
        let options = settings
        let runResult: RunResult
        let report: RunReport
        do {
            (runResult, report) = try await Interrupts.handle(hardStop: options.hardStop) {
                let stills = StillsInBackground(outDirectory: outDirectory, media: media)
                let result = try await render(plan, options: options, api: api, media: media, stills: stills)
                await api.emulator?.stop()
                await stills.finish()
                let report = await writeReport(
                    result, plan: plan, outDirectory: outDirectory, baseURL: emulate ? nil : api.baseURL, prices: options.prices,
                    budget: options.budget)
                return (result, report)
            }
        } catch let error as OverBudget {
            await api.emulator?.stop()
            Terminal.writeStderr("error: \(error)\n")
            throw Exit.overBudget
        } catch let error as Declined {
            await api.emulator?.stop()
            Terminal.writeStderr("\(error)\n")
            throw Exit.overBudget
        } catch {
            await api.emulator?.stop()
            Terminal.writeStderr("error: \(FileErrorText.describe(error))\n")
            throw Exit.failed
        }
        try finish(runResult, report: report, outDirectory: outDirectory)
    }

    /// The summary, the CI outputs, and the exit status.
    private func finish(_ runResult: RunResult, report: RunReport, outDirectory: String) throws {
        Terminal.writeStdout(ProgressPrinter.summary(runResult, out: outDirectory, cost: report.summary.cost, emulated: report.emulated))
        if runResult.outcomes.contains(where: { $0.failure?.code == .unauthorized }) {
            Terminal.writeStderr("error: the server refused the API key; check VEO_API_KEY\n")
        }
        try ci.finish(report, outDirectory: outDirectory, verbose: verbose)
        switch runResult.status {
        case .succeeded: return
        case .failed:
            let overBudget = runResult.outcomes.contains { $0.skip?.cause == .overBudget }
            throw overBudget && !runResult.outcomes.contains { $0.status == .failed } ? Exit.overBudget : Exit.failed
        case .interrupted: throw Exit.interrupted
        }
    }

    /// The manifest's plan, with its diagnostics printed; `--only` names checked.
    private func loadPlan() throws -> (Plan, Manifest?) {
        let result = ManifestLoader.load(file: file)
        DiagnosticRenderer.printToStderr(result)
        ci.emitGitHub(annotations: result.diagnostics.compactMap(GitHubActions.annotation), summary: nil)
        guard result.isValid, let plan = result.plan else {
            try ci.writeJUnit(JUnitReport.xml(forValidation: [(file, result.diagnostics, nil)]))
            throw Exit.invalidManifest
        }
        let unknown = only.filter { name in !plan.jobs.contains { $0.id == name || $0.shot == name } && plan.cut(name) == nil }
        if !unknown.isEmpty {
            let names = plan.jobs.map(\.id) + plan.cuts.map(\.id)
            let hint = unknown.count == 1 ? Suggest.didYouMean(unknown[0], names) : ""
            Terminal.writeStderr("error: --only names no job, shot or cut: \(unknown.joined(separator: ", "))\(hint)\n")
            throw Exit.usage
        }
        return (plan, result.manifest)
    }

    /// The API the run talks to: the emulator started here (with `--emulate`), or the server and key.
    private struct API {
        var baseURL: String
        var apiKey: String
        var emulator: Emulator?
    }

    /// VEO_API_KEY, or exit 64 saying how to set it.
    private func apiKey() throws -> String {
        guard let key = ProcessInfo.processInfo.environment["VEO_API_KEY"], !key.trimmingCharacters(in: .whitespaces).isEmpty else {
            Terminal.writeStderr("error: VEO_API_KEY is not set; export your API key as VEO_API_KEY (or try --emulate)\n")
            throw Exit.usage
        }
        return key
    }

    private func startAPI(outDirectory: String) async throws -> API {
        guard emulate else {
            return API(baseURL: APISettings.baseURL(flag: baseURL), apiKey: try apiKey(), emulator: nil)
        }
        var config = EmulatorConfiguration()
        config.port = 0
        config.renderSeconds = emulatorRenderSeconds
        // The emulator keeps its jobs and clips beside the run's, so a resumed, retried or reverted
        // run finds every video id it knew, as it would at the provider.
        config.storageDirectory = OutputLayout(root: outDirectory).emulatorDirectory
        let emulator = Emulator(configuration: config)
        do {
            let base = try await emulator.start()
            if !quiet { Terminal.writeStderr("Emulator running at \(base) (nothing is sent to the provider)\n") }
            return API(baseURL: base, apiKey: "emulator", emulator: emulator)
        } catch {
            Terminal.writeStderr("error: cannot start the emulator: \(FileErrorText.describe(error))\n")
            throw Exit.failed
        }
    }

    private func runOptions(outDirectory: String, baseURL: String) -> RunOptions {
        var options = RunOptions(outDirectory: outDirectory)
        options.concurrency = concurrency
        options.pollInterval = .milliseconds(Int(((pollInterval ?? (emulate ? 1 : 8)) * 1000).rounded()))
        options.jobTimeout = .milliseconds(Int((jobTimeout * 1000).rounded()))
        options.only = only
        options.force = force
        options.failFast = failFast
        options.requestsPerMinute = requestsPerMinute
        options.resubmitAmbiguous = resubmitAmbiguous
        // Emulated clips are test patterns: they never share a cache with real ones.
        options.origin = emulate ? RunOptions.emulatorOrigin : APIOrigin.of(baseURL)
        options.maxDownloadBytes = maxDownloadMB.map { Int64($0) * 1_000_000 }
        options.renderWhatFits = money.renderWhatFits
        options.confirm = money.confirmation()
        return options
    }

    private func render(_ plan: Plan, options: RunOptions, api: API, media: MediaTools, stills: StillsInBackground) async throws -> RunResult {
        var configuration = VideoAPIClientConfiguration(baseURL: api.baseURL, apiKey: APIKey(api.apiKey))
        configuration.pollPlanning = pollPlanning.planning
        if let pollsPerSecond { configuration.pollsPerSecond = pollsPerSecond }
        if emulate || pollInterval != nil {
            configuration.minimumPollInterval = min(configuration.minimumPollInterval, options.pollInterval)
        }
        var logger = Logger(label: "veo.api")
        logger.logLevel = verbose ? .debug : .warning
        let printer = ProgressPrinter(quiet: quiet)
        return try await VideoAPIClient.withClient(configuration: configuration, logger: logger) { client in
            var options = options
            options.imageFetcher = ImageFetcher(client: client)
            let runner = Runner(plan: plan, options: options, service: client, media: media) { event in
                printer.handle(event)
                // The contact sheet's stills of each clip are made while other jobs render.
                if case .clipReady(_, let path, let sha256, let seconds) = event {
                    Task { await stills.clipReady(path: path, sha256: sha256, seconds: seconds) }
                }
            }
            return try await runner.run()
        }
    }

    /// `report.json`, then the contact sheet made from it (`index.html`); neither stops the other.
    @discardableResult
    private func writeReport(
        _ result: RunResult, plan: Plan, outDirectory: String, baseURL: String?, prices: PriceTable, budget: BudgetLimits
    ) async -> RunReport {
        let manifestSHA = (try? CacheKey.sha256(ofFile: file)) ?? ""
        let emulator = emulate ? RunReport.EmulatorInfo(renderSeconds: emulatorRenderSeconds, stateDirectory: ".emulator") : nil
        let report = RunReport(
            result: result, plan: plan, manifestSHA256: manifestSHA, baseURL: baseURL, emulator: emulator,
            prices: prices, budget: budget)
        let layout = OutputLayout(root: outDirectory)
        do {
            try report.write(to: layout.reportPath)
        } catch {
            Terminal.writeStderr("error: cannot write the report \(layout.reportPath): \(FileErrorText.reason(error))\n")
        }
        do {
            try await RunViews.writeContactSheet(
                report: report, outDirectory: outDirectory, imageFiles: RunViews.imageFiles(of: result), concurrency: concurrency)
        } catch {
            Terminal.writeStderr("error: cannot write the contact sheet: \(FileErrorText.describe(error))\n")
        }
        return report
    }
}
