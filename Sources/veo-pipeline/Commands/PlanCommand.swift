import ArgumentParser
import Foundation
import VeoManifest
import VeoRunner
import VeoViews
import VeoWorkspace

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

    @Flag(help: "Show what `run --render-what-fits` would render when the plan does not fit the budget: the jobs each cut needs first, then the rest in manifest order, each only if it fits.")
    var renderWhatFits = false

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

    /// The estimate of what is not cached against what the manifest's budget has left, printed;
    /// false when it does not fit (a run would refuse: exit 3 after the plan is printed). With
    /// --render-what-fits, what a run would render and skip instead.
    private func checkBudget(_ forecast: RunForecast, folder: String) -> Bool {
        let limits = forecast.scope.budget
        guard !limits.isEmpty else { return true }
        let (estimate, spent, left, leftSeconds) = (forecast.estimate, forecast.spent, forecast.remainingUSD, forecast.remainingSeconds)
        var line = String(format: "Budget: %.2f USD spent in %@ so far", spent.usd, folder)
        if let left { line += String(format: ", %.2f USD left", left) }
        if let leftSeconds { line += ", \(leftSeconds) s of video left" }
        line += String(format: "; a run would spend an estimated %.2f USD (%d s). (%@)\n", estimate.usd, estimate.seconds, limits.sources.joined(separator: "; "))
        Terminal.writeStderr(line)
        if forecast.fits { return true }
        guard renderWhatFits else {
            Terminal.writeStderr("error: this plan does not fit the budget; a run would refuse to start (or use --render-what-fits)\n")
            return false
        }
        let chosen = forecast.chosen
        let skipped = forecast.plan.jobs.map(\.id).filter { forecast.overBudget[$0] != nil }
        Terminal.writeStderr(String(format: "With --render-what-fits a run would render %d job%@ for an estimated %.2f USD (%d s) and skip %d that do not fit: %@\n",
            chosen.lines.count, chosen.lines.count == 1 ? "" : "s", chosen.usd, chosen.seconds, skipped.count, skipped.joined(separator: ", ")))
        return true
    }

    /// Prints the plan; returns how many jobs and cuts a run would make, and whether their estimate fits the budget.
    private func show() async throws -> (wouldRender: Int, fitsBudget: Bool) {
        var settings = Workspace.Settings(manifestPath: file)
        (settings.out, settings.baseURL, settings.emulate, settings.pricesFile) = (out, baseURL, emulate, prices)
        settings.renderWhatFits = renderWhatFits
        sharedCache.apply(to: &settings)
        let workspace = try WorkspaceCLI.open(settings)
        let forecast: RunForecast
        do {
            // The folder's journal is read once, for what is cached, the cuts and the budget.
            forecast = try await workspace.forecast { WorkspaceCLI.print($0) }
        } catch {
            throw WorkspaceCLI.exit(for: error)
        }
        for warning in forecast.warnings { WorkspaceCLI.print(.warning(warning)) }
        let cached = forecast.cacheKnown ? forecast.cached : nil
        // Cuts are not in the shared cache: with no local journal, none is known to be cached.
        let renderer = PlanRenderer(plan: workspace.plan, prices: workspace.prices, cached: cached, cachedCuts: cached == nil ? nil : forecast.cachedCuts)
        switch format {
        case .table: Terminal.writeStdout(renderer.table())
        case .json: Terminal.writeStdout(String(decoding: renderer.json(), as: UTF8.self) + "\n")
        case .dot: Terminal.writeStdout(renderer.dot())
        }
        let environment = ProcessInfo.processInfo.environment
        if github || GitHubActions.isActive(environment) {
            Terminal.writeStdout(GitHubActions.commands(workspace.loaded.diagnostics.compactMap(GitHubActions.annotation)))
            if let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
                do {
                    try GitHubActions.appendSummary(StepSummary.markdown(for: workspace.plan, cached: forecast.cached, prices: workspace.prices), to: path)
                } catch {
                    Terminal.writeStderr("warning: cannot write the step summary: \(error)\n")
                }
            }
        }
        return (forecast.wouldRender, checkBudget(forecast, folder: workspace.outDirectory))
    }
}
