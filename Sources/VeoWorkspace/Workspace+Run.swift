import Foundation
import Logging
public import VeoClient
import VeoEmulator
import VeoManifest
import VeoMedia
public import VeoReport
public import VeoRunner
import VeoSupport
import VeoViews

extension Workspace {
    /// How the run behaves beyond what the workspace resolved.
    public struct RunSettings: Sendable {
        /// Jobs rendering at the provider at once.
        public var concurrency = 4
        /// Seconds between status polls (nil: 8, or 1 against the emulator).
        public var pollInterval: Double?
        public var pollPlanning: PollPlanning = .learned
        /// Seconds one job may take from submission to completion.
        public var jobTimeout: Double = 1200
        public var requestsPerMinute: Int?
        public var pollsPerSecond: Double?
        public var maxDownloadMB: Int?
        public var failFast = false
        /// With `emulate`: seconds each emulated job takes to render.
        public var emulatorRenderSeconds: Double = 2
        /// Log each API request (never the key).
        public var verbose = false

        public init() {}
    }

    /// What the caller hears while the run goes, and the decisions it keeps.
    public struct RunHooks: Sendable {
        public var onEvent: @Sendable (RunEvent) -> Void = { _ in }
        public var onNotice: @Sendable (Notice) -> Void = { _ in }
        /// Asked with what the run would submit, before the first create; false: nothing is submitted.
        public var confirm: (@Sendable (SpendEstimate) async -> Bool)?
        /// Runs the body while interrupts are handled (the command line's signal handling): the
        /// second interrupt fires the `HardStop`. The report is written inside it.
        public var interrupts: @Sendable (HardStop, @escaping @Sendable () async throws -> RunEnding) async throws -> RunEnding = { _, body in
            try await body()
        }

        public init() {}
    }

    /// How a run ended.
    public enum RunEnding: Sendable {
        /// It ran (to the end, a failure or an interrupt): its result and the report written.
        case finished(RunResult, RunReport)
        /// Refused before anything was started: over budget. The report and views say so too.
        case notStarted(OverBudget, RunReport)
        /// The person asked before spending said no: nothing was submitted.
        case declined(Declined)
    }

    /// Runs the plan: checks the folder, the shared cache, the key and ffmpeg; starts from the
    /// forecast (refusing a run over budget with a `not_started` report, or skipping what does not
    /// fit with `--render-what-fits`); starts the emulator when asked and stops it; writes
    /// `report.json` and the contact sheet.
    public func run(_ run: RunSettings, hooks: RunHooks) async throws(WorkspaceError) -> RunEnding {
        do {
            try layout.checkWritable()
        } catch {
            throw .cannotWrite(FileErrorText.describe(error))
        }
        // The shared cache is checked before anything is paid for.
        let shared = try await openSharedCache(hooks.onNotice)
        if let shared, !shared.cache.supportsCreateOnly {
            hooks.onNotice(.note("\(shared.cache.name) shares results but not claims: runners working at the same time may each submit a job"))
        }
        let key = try apiKey()
        let media = MediaTools()
        do {
            try await media.preflight()
        } catch {
            throw .failed(FileErrorText.describe(error))
        }
        let forecast = try await forecast(shared: shared)
        for warning in forecast.warnings { hooks.onNotice(.warning(warning)) }
        if forecast.refused {
            let refusal = forecast.overBudgetError
            do {
                return .notStarted(refusal, try await layout.whileLocked {
                    await notStartedReport(forecast, refusal: refusal, run: run, media: media, notice: hooks.onNotice)
                })
            } catch {
                throw .failed(FileErrorText.describe(error))
            }
        }
        if let confirm = hooks.confirm, forecast.chosen.usd > 0, !(await confirm(forecast.chosen)) { return .declined(Declined()) }
        let api = try await startAPI(key: key, run: run, notice: hooks.onNotice)
        var options = runOptions(run, baseURL: api.baseURL)
        (options.sharedCache, options.overBudget) = (shared, forecast.overBudget)
        let finalOptions = options
        do {
            return try await hooks.interrupts(options.hardStop) {
                let stills = StillsInBackground(outDirectory: outDirectory, media: media)
                let result = try await render(finalOptions, run: run, api: api, media: media, stills: stills, onEvent: hooks.onEvent)
                await api.emulator?.stop()
                await stills.finish()
                let report = await writeReport(result, run: run, baseURL: settings.emulate ? nil : api.baseURL, media: media, notice: hooks.onNotice)
                return .finished(result, report)
            }
        } catch {
            await api.emulator?.stop()
            throw .failed(FileErrorText.describe(error))
        }
    }

    /// The API the run talks to: the emulator started here (with `emulate`), or the server and key.
    struct API: Sendable {
        var baseURL: String
        var apiKey: String
        var emulator: Emulator?
    }

    /// The key from `VEO_API_KEY` ("emulator" with `emulate`).
    func apiKey() throws(WorkspaceError) -> String {
        guard !settings.emulate else { return "emulator" }
        guard let key = settings.environment["VEO_API_KEY"], !key.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .usage(["error: VEO_API_KEY is not set; export your API key as VEO_API_KEY (or try --emulate)"])
        }
        return key
    }

    func startAPI(key: String, run: RunSettings, notice: @Sendable (Notice) -> Void) async throws(WorkspaceError) -> API {
        guard settings.emulate else { return API(baseURL: baseURL, apiKey: key, emulator: nil) }
        var config = EmulatorConfiguration()
        config.port = 0
        config.renderSeconds = run.emulatorRenderSeconds
        // The emulator keeps its jobs and clips beside the run's, so a resumed, retried or reverted
        // run finds every video id it knew, as it would at the provider.
        config.storageDirectory = layout.emulatorDirectory
        let emulator = Emulator(configuration: config)
        do {
            let base = try await emulator.start()
            notice(.info("Emulator running at \(base) (nothing is sent to the provider)"))
            return API(baseURL: base, apiKey: key, emulator: emulator)
        } catch {
            throw .failed("cannot start the emulator: \(FileErrorText.describe(error))")
        }
    }

    func runOptions(_ run: RunSettings, baseURL: String) -> RunOptions {
        var options = RunOptions(outDirectory: outDirectory)
        options.concurrency = run.concurrency
        options.pollInterval = .milliseconds(Int(((run.pollInterval ?? (settings.emulate ? 1 : 8)) * 1000).rounded()))
        options.jobTimeout = .milliseconds(Int((run.jobTimeout * 1000).rounded()))
        (options.only, options.force, options.failFast) = (settings.only, settings.force, run.failFast)
        options.requestsPerMinute = run.requestsPerMinute
        options.resubmitAmbiguous = settings.resubmitAmbiguous
        // Emulated clips are test patterns: they never share a cache with real ones.
        options.origin = origin
        options.maxDownloadBytes = run.maxDownloadMB.map { Int64($0) * 1_000_000 }
        (options.prices, options.budget) = (prices, budget)
        return options
    }

    func render(
        _ options: RunOptions, run: RunSettings, api: API, media: MediaTools, stills: StillsInBackground, onEvent: @escaping @Sendable (RunEvent) -> Void
    ) async throws -> RunResult {
        var configuration = VideoAPIClientConfiguration(baseURL: api.baseURL, apiKey: APIKey(api.apiKey))
        configuration.pollPlanning = run.pollPlanning
        if let pollsPerSecond = run.pollsPerSecond { configuration.pollsPerSecond = pollsPerSecond }
        if settings.emulate || run.pollInterval != nil {
            configuration.minimumPollInterval = min(configuration.minimumPollInterval, options.pollInterval)
        }
        var logger = Logger(label: "veo.api")
        logger.logLevel = run.verbose ? .debug : .warning
        return try await VideoAPIClient.withClient(configuration: configuration, logger: logger) { client in
            var options = options
            options.imageFetcher = ImageFetcher(client: client)
            let runner = Runner(plan: plan, options: options, service: client, media: media) { event in
                onEvent(event)
                // The contact sheet's stills of each clip are made while other jobs render.
                if case .clipReady(_, let path, let sha256, let seconds) = event {
                    Task { await stills.clipReady(path: path, sha256: sha256, seconds: seconds) }
                }
            }
            return try await runner.run()
        }
    }
}
