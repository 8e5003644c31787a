public import Foundation
import VeoCache
public import VeoManifest
import VeoReport

/// What a run would do in its output folder, read before it starts and without changing
/// anything: which jobs the folder or the shared cache holds, which it would submit and their
/// estimated cost, what the budget has left and whether that fits; with `--render-what-fits`,
/// which jobs it renders (``RenderWhatFits``) and which it skips from the start. `plan` prints
/// it; `run` starts from it (``RunOptions/overBudget``), so the two never disagree.
public struct RunForecast: Sendable {
    /// What the forecast is of: the run's selection and money switches.
    public struct Scope: Sendable {
        public var only: [String] = []
        public var force = false
        public var resubmitAmbiguous = false
        public var renderWhatFits = false
        public var budget = BudgetLimits()
        public var prices: PriceTable = .defaults
        public var origin: String?
        public var sharedCache: SharedCacheOptions?

        public init() {}
    }

    public var plan: Plan
    /// The folder's journal states by content key (empty when it has no journal).
    public var keys: [String: KeyState]
    /// Whether the folder has a journal (nothing was rendered there when it has none).
    public var folderHasJournal: Bool
    /// Jobs a run takes at no cost: from the folder, or from the shared cache.
    public var cached: Set<String>
    /// Whether what is cached is known: the folder has a journal, or the shared cache answered.
    public var cacheKnown: Bool
    /// Cuts a run takes from the folder's store (cuts are not looked up in the shared cache).
    public var cachedCuts: Set<String>
    /// Something the user should know (the shared cache could not be read, with `--cache-optional`).
    public var warnings: [String] = []
    /// The jobs the selection would submit, and their estimated cost (before `--render-what-fits` chooses).
    public var estimate: SpendEstimate
    /// What the folder has committed to spend so far (`spending.jsonl`).
    public var spent: SpendingLedger.Totals
    public var remainingUSD: Double?
    public var remainingSeconds: Int?
    /// The whole estimate fits what the budget has left.
    public var fits: Bool
    /// Jobs skipped from the start because they do not fit (`--render-what-fits`), with the reason.
    public var overBudget: [String: String] = [:]
    public var scope: Scope

    /// A run would refuse to start: over budget, and not told to render what fits.
    public var refused: Bool { !fits && !scope.renderWhatFits }
    /// What the run would submit: the estimate less the jobs skipped as over budget.
    public var chosen: SpendEstimate { SpendEstimate(lines: estimate.lines.filter { overBudget[$0.job] == nil }) }
    /// Jobs and cuts a run would make (what `plan --detailed-exitcode` counts).
    public var wouldRender: Int {
        let selection = Runner.selection(plan: plan, only: scope.only, force: scope.force)
        let jobs = plan.jobs.count { selection.selected.contains($0.id) && !cached.contains($0.id) && overBudget[$0.id] == nil }
        let cuts = plan.cuts.filter { cut in selection.cuts.contains(cut.id) && !cut.jobs.contains { overBudget[$0] != nil } }
        return jobs + cuts.count { !cachedCuts.contains($0.id) }
    }

    /// Reads the folder (and the shared cache, when set) for `plan`. Throws ``SharedCacheFailure``
    /// when the shared cache cannot be read (unless it is optional: then a warning).
    public static func make(plan: Plan, outDirectory: String, scope: Scope) async throws -> RunForecast {
        let layout = OutputLayout(root: outDirectory)
        let selection = Runner.selection(plan: plan, only: scope.only, force: scope.force)
        let folder = CacheStatus.read(plan: plan, outDirectory: outDirectory, origin: scope.origin)
        let keys = folder?.keys ?? [:]
        let states = CacheStatus.jobStates(plan: plan, layout: layout, keys: keys, forced: selection.forced)
        var cached = Set(states.filter { $0.value == .cached }.keys)
        var estimate = SpendEstimate.make(
            plan: plan, selected: selection.selected, forced: selection.forced, layout: layout, keys: keys, prices: scope.prices,
            resubmitAmbiguous: scope.resubmitAmbiguous)
        var (warnings, sharedAnswered) = ([String](), false)
        if let shared = scope.sharedCache {
            do {
                cached = try await SharedCacheStatus.cachedJobs(
                    plan: plan, states: keys, local: cached, origin: scope.origin, cache: shared.cache,
                    candidates: Set(plan.jobs.map(\.id)).subtracting(cached).subtracting(selection.forced))
                sharedAnswered = true
            } catch let error as CacheError {
                guard shared.optional else { throw SharedCacheFailure(error: error) }
                warnings.append("\(error.description); the forecast counts the local cache only (--cache-optional)")
            }
            estimate.lines.removeAll { cached.contains($0.job) }
        }
        let spent = SpendingLedger.totals(of: SpendingLedger.read(path: layout.spendingPath))
        let none = SpendingLedger.Totals()
        var forecast = RunForecast(
            plan: plan, keys: keys, folderHasJournal: folder != nil, cached: cached, cacheKnown: folder != nil || sharedAnswered,
            cachedCuts: (folder?.cachedCuts ?? []).subtracting(selection.forcedCuts),
            warnings: warnings, estimate: estimate, spent: spent,
            remainingUSD: scope.budget.remainingUSD(spentTotal: spent, spentThisRun: none),
            remainingSeconds: scope.budget.remainingSeconds(spentTotal: spent),
            fits: scope.budget.fits(usd: estimate.usd, seconds: estimate.seconds, spentTotal: spent, spentThisRun: none), scope: scope)
        if !forecast.fits && scope.renderWhatFits {
            forecast.overBudget = RenderWhatFits.choose(plan: plan, cuts: selection.cuts, lines: estimate.lines) { usd, seconds in
                scope.budget.fits(usd: usd, seconds: seconds, spentTotal: spent, spentThisRun: none)
            }
        }
        return forecast
    }

    /// The refusal of a run that does not fit: the estimate against what is left, the costliest jobs.
    public var overBudgetError: OverBudget {
        OverBudget(estimate: estimate, remainingUSD: remainingUSD, remainingSeconds: remainingSeconds, limits: scope.budget)
    }

    /// The result of a run refused before it started: every selected job skipped with `reason`,
    /// nothing spent in it, the folder's total as it stands.
    public func notStartedResult(because reason: String, at date: Date) -> RunResult {
        let selection = Runner.selection(plan: plan, only: scope.only, force: scope.force)
        let outcomes = plan.jobs.map { job in
            selection.selected.contains(job.id)
                ? JobOutcome.skipped(job, because: reason, cause: .notRun)
                : JobOutcome.skipped(job, because: "not selected by --only", cause: .notSelected)
        }
        let cuts = plan.cuts.map { CutOutcome.skipped($0, because: reason, cause: selection.cuts.contains($0.id) ? .notRun : .notSelected) }
        return RunResult(status: .notStarted, outcomes: outcomes, cuts: cuts, startedAt: date, finishedAt: date, spentTotal: spent)
    }
}
