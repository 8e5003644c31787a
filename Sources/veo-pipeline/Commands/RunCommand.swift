import ArgumentParser
import Foundation
import VeoReport
import VeoRunner
import VeoWorkspace

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

            Exit status: 0 all jobs succeeded, 1 a job failed or was skipped, 64 usage error, \
            65 invalid manifest, 73 the output folder cannot be written, 130 interrupted.

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

    @OptionGroup
    var pace: RenderPaceOptions

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
        try money.check()
        if let mb = maxDownloadMB, !(1...100_000).contains(mb) { throw ValidationError("--max-download-mb must be from 1 to 100000") }
        if emulate && baseURL != nil { throw ValidationError("--emulate and --base-url cannot be used together") }
        try APISettings.check(baseURL: baseURL)
    }

    func run() async throws {
        var settings = Workspace.Settings(manifestPath: file)
        (settings.out, settings.baseURL, settings.emulate, settings.only) = (out, baseURL, emulate, only)
        (settings.force, settings.resubmitAmbiguous) = (force, resubmitAmbiguous)
        money.apply(to: &settings)
        sharedCache.apply(to: &settings)
        let workspace = try WorkspaceCLI.open(settings, ci: ci)
        var run = pace.settings
        (run.maxDownloadMB, run.failFast, run.emulatorRenderSeconds, run.verbose) = (maxDownloadMB, failFast, emulatorRenderSeconds, verbose)
        let ending: Workspace.RunEnding
        do {
            ending = try await workspace.run(run, hooks: hooks)
        } catch {
            throw WorkspaceCLI.exit(for: error)
        }
        switch ending {
        case .finished(let result, let report):
            try finish(result, report: report, outDirectory: workspace.outDirectory)
        case .notStarted(let refusal, let report):
            // Nothing was started; CI still gets the report, its JUnit file, summary and annotation.
            Terminal.writeStderr("error: \(refusal)\n")
            try ci.finish(report, outDirectory: workspace.outDirectory, verbose: verbose)
            throw Exit.overBudget
        case .declined(let declined):
            Terminal.writeStderr("\(declined)\n")
            throw Exit.overBudget
        }
    }

    /// Progress on the terminal, notices on stderr, the question before spending, Ctrl-C.
    private var hooks: Workspace.RunHooks {
        var hooks = Workspace.RunHooks()
        let (printer, quiet) = (ProgressPrinter(quiet: quiet), quiet)
        hooks.onEvent = { printer.handle($0) }
        hooks.onNotice = { WorkspaceCLI.print($0, quiet: quiet) }
        hooks.confirm = money.confirmation()
        hooks.interrupts = { hardStop, body in try await Interrupts.handle(hardStop: hardStop, body) }
        return hooks
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
        case .failed, .notStarted:
            let overBudget = runResult.outcomes.contains { $0.skip?.cause == .overBudget }
            throw overBudget && !runResult.outcomes.contains { $0.status == .failed } ? Exit.overBudget : Exit.failed
        case .interrupted: throw Exit.interrupted
        }
    }
}
