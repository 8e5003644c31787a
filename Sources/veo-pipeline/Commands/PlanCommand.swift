import ArgumentParser
import Foundation
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoSupport
import VeoViews

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the jobs a run would execute, their dependencies and the estimated cost.",
        discussion: """
            Expands the manifest into jobs (shots x variants x takes), orders them so every job \
            follows the jobs it takes frames from or comes 'after', and prints a table with totals: \
            jobs, seconds of video and an estimated cost per model. Costs are estimates from list \
            prices per generated second; pass --prices to use your own figures:
              {"currency": "USD", "rates": {"veo-3.1-generate-preview": {"720p": 0.40, "1080p": 0.40}}}
            With --out (default: the run's output folder) the table also says which jobs are \
            already rendered and would not be paid for again; give the same --emulate or \
            --base-url as the run, since clips count as cached only for the server that rendered them.

            In CI: --detailed-exitcode exits 0 when everything is cached and 2 when a run would \
            render (and pay for) something, so a workflow can skip the render step; with \
            GITHUB_ACTIONS=true the plan and its estimated cost go to the step summary, so the \
            cost of a change shows on its pull request.

            Examples:
              veo-pipeline plan pipelines/demo.yaml
              veo-pipeline plan shots.yaml --detailed-exitcode   # 0: all cached, 2: would render
              veo-pipeline plan shots.yaml --format json
              veo-pipeline plan pipelines/demo.yaml --emulate   # what `run --emulate` would reuse
              veo-pipeline plan shots.yaml --format dot | dot -Tsvg > plan.svg
            """)

    @Argument(help: ArgumentHelp("The manifest.", valueName: "file"))
    var file: String

    @Option(help: "Output format: table, json or dot (Graphviz).")
    var format: PlanFormat = .table

    @Option(help: ArgumentHelp("A JSON price table overriding the default list prices.", valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp("The run's output folder, to show which jobs are cached (default: renders/<manifest name>, or renders/<manifest name>-emulated with --emulate).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("The API server the run would use, for what counts as cached (default: $VEO_BASE_URL or the provider's server).", valueName: "url"))
    var baseURL: String?

    @Flag(help: "Count as cached what `run --emulate` would reuse (clips rendered by the bundled emulator).")
    var emulate = false

    @Flag(help: "Exit 0 when nothing would be rendered (all cached), 2 when something would, 1 on any error (as terraform plan does).")
    var detailedExitcode = false

    @Flag(help: "GitHub Actions: append the plan (what would be rendered, at what estimated cost) to the step summary (on by itself when GITHUB_ACTIONS=true).")
    var github = false

    @OptionGroup(title: "Shared cache")
    var sharedCache: SharedCacheFlags

    func validate() throws {
        if emulate && baseURL != nil { throw ValidationError("--emulate and --base-url cannot be used together") }
    }

    func run() async throws {
        let shown: (wouldRender: Int, fitsBudget: Bool)
        do {
            shown = try await show()
        } catch let exit as ExitCode where detailedExitcode && exit != .success {
            throw ExitCode(1)
        }
        if !shown.fitsBudget { throw Exit.overBudget }
        if detailedExitcode && shown.wouldRender > 0 { throw ExitCode(2) }
    }

    /// The estimate of what is not cached against what the manifest's budget has left; exit 3
    /// when it does not fit (after the plan is printed).
    /// Jobs in `cached` (the local or the shared cache holds them) cost nothing.
    private func checkBudget(
        plan: Plan, manifest: Manifest?, folder: String, keys: [String: KeyState], prices: PriceTable, cached: Set<String>
    ) -> Bool {
        var limits = BudgetLimits()
        limits.merge(manifest: manifest)
        guard !limits.isEmpty else { return true }
        let layout = OutputLayout(root: folder)
        var estimate = SpendEstimate.make(
            plan: plan, selected: Set(plan.jobs.map(\.id)), forced: [], layout: layout, keys: keys, prices: prices, resubmitAmbiguous: false)
        estimate.lines.removeAll { cached.contains($0.job) }
        let spent = SpendingLedger.totals(of: SpendingLedger.read(path: layout.spendingPath))
        let left = limits.remainingUSD(spentTotal: spent, spentThisRun: .init())
        let leftSeconds = limits.remainingSeconds(spentTotal: spent)
        var line = String(format: "Budget: %.2f USD spent in %@ so far", spent.usd, TerminalText.escaped(folder))
        if let left { line += String(format: ", %.2f USD left", left) }
        if let leftSeconds { line += ", \(leftSeconds) s of video left" }
        line += String(format: "; a run would spend an estimated %.2f USD (%d s). (%@)\n", estimate.usd, estimate.seconds, limits.sources.joined(separator: "; "))
        Terminal.writeStderr(line)
        if (left.map { estimate.usd > $0 + 1e-9 } ?? false) || (leftSeconds.map { estimate.seconds > $0 } ?? false) {
            Terminal.writeStderr("error: this plan does not fit the budget; a run would refuse to start (or use --render-what-fits)\n")
            return false
        }
        return true
    }

    /// Prints the plan; returns how many jobs a run would render, and whether their estimate fits the budget.
    private func show() async throws -> (wouldRender: Int, fitsBudget: Bool) {
        let result = ManifestLoader.load(file: file)
        DiagnosticRenderer.printToStderr(result)
        guard result.isValid, let plan = result.plan else { throw Exit.invalidManifest }
        let table = try prices.map(PriceTable.loadOrExit) ?? result.manifest?.prices?.value ?? .defaults
        let origin = emulate ? RunOptions.emulatorOrigin : APIOrigin.of(APISettings.baseURL(flag: baseURL))
        let folder = out ?? (emulate ? "renders/\(plan.name)-emulated" : "renders/\(plan.name)")
        // The folder's journal is read once, for what is cached, the cuts and the budget.
        let local = CacheStatus.read(plan: plan, outDirectory: folder, origin: origin)
        var cached = local?.cachedJobs
        if let shared = try await sharedCache.open() {
            do {
                cached = try await SharedCacheStatus.cachedJobs(
                    plan: plan, states: local?.keys ?? [:], local: cached ?? [], origin: origin, cache: shared.cache)
            } catch {
                guard shared.optional else { Terminal.writeStderr("error: \(error)\n"); throw Exit.failed }
                Terminal.writeStderr("warning: \(error); counting the local cache only (--cache-optional)\n")
            }
        }

        // Cuts are not in the shared cache: with no local journal, none is known to be cached.
        let cachedCuts = cached == nil ? nil : local?.cachedCuts ?? []
        let renderer = PlanRenderer(plan: plan, prices: table, cached: cached, cachedCuts: cachedCuts)
        switch format {
        case .table: Terminal.writeStdout(renderer.table())
        case .json: Terminal.writeStdout(String(decoding: renderer.json(), as: UTF8.self) + "\n")
        case .dot: Terminal.writeStdout(renderer.dot())
        }
        let cachedJobs = cached ?? []
        let environment = ProcessInfo.processInfo.environment
        if github || GitHubActions.isActive(environment) {
            Terminal.writeCommands(GitHubActions.commands(result.diagnostics.compactMap(GitHubActions.annotation)))
            if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
                do {
                    try GitHubActions.appendSummary(StepSummary.markdown(for: plan, cached: cachedJobs, prices: table), to: path)
                } catch {
                    Terminal.writeStderr("warning: cannot write the step summary: \(error)\n")
                }
            }
        }
        let fits = checkBudget(plan: plan, manifest: result.manifest, folder: folder, keys: local?.keys ?? [:], prices: table, cached: cachedJobs)
        let toCut = plan.cuts.count { !(cachedCuts ?? []).contains($0.id) }
        return (plan.jobs.count { !cachedJobs.contains($0.id) } + toCut, fits)
    }
}
