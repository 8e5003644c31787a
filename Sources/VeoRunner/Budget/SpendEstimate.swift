import Foundation
public import VeoManifest
public import VeoMoney
import VeoProvider
public import VeoSupport
public import VeoCache

/// What a run would submit and its estimated cost: the jobs that are neither cached nor resumed
/// (nor held back as ambiguous), at the run's prices per generated second. An estimate, never a bill.
public struct SpendEstimate: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var job: String
        public var cost: Amount
        public var seconds: Int

        public var spent: Spent { Spent(amount: cost, seconds: seconds) }
    }

    public var lines: [Line]
    public var currency: Currency
    public var total: Amount { lines.reduce(.zero) { $0 + $1.cost } }
    public var seconds: Int { lines.reduce(0) { $0 + $1.seconds } }
    public var spent: Spent { Spent(amount: total, seconds: seconds) }
    /// The most expensive jobs first.
    public var mostExpensive: [Line] { lines.sorted { ($0.cost, $1.job) > ($1.cost, $0.job) } }

    /// The estimate for the jobs of `selected` a run would submit, given the folder's state.
    public static func make(
        plan: Plan, selected: Set<String>, forced: Set<String>, layout: OutputLayout, keys: [String: KeyState], prices: PriceTable,
        resubmitAmbiguous: Bool
    ) -> SpendEstimate {
        let states = CacheStatus.jobStates(plan: plan, layout: layout, keys: keys, forced: forced)
        let lines = plan.jobs.filter { selected.contains($0.id) }.compactMap { job -> Line? in
            switch states[job.id] ?? .toRender {
            case .cached, .resumes: return nil
            case .ambiguous where !resubmitAmbiguous: return nil
            case .ambiguous, .toRender: return Line(job: job.id, cost: prices.cost(of: job.request), seconds: job.request.seconds.rawValue)
            }
        }
        return SpendEstimate(lines: lines, currency: prices.currency)
    }
}

/// The shared cache could not be read while the budget was checked: nothing was submitted.
public struct SharedCacheFailure: UserFacingError, Sendable {
    public var error: CacheError
    public var description: String { error.description }
}

/// The run would spend more than its budget allows: nothing was submitted.
public struct OverBudget: UserFacingError, Sendable {
    public var estimate: SpendEstimate
    public var remaining: Amount?
    public var remainingSeconds: Int?
    public var limits: BudgetLimits

    public var description: String {
        let currency = estimate.currency
        var text = "not started: the jobs to render would cost an estimated \(Money(estimate.total, currency)) (\(estimate.seconds) s of video)"
        if let left = remaining { text += ", but the budget has \(Money(left, currency)) left" }
        if let left = remainingSeconds { text += "\(remaining == nil ? ", but" : " and") \(left) s of video left" }
        text += " (\(limits.sources.joined(separator: "; ")))."
        text += "\nThe jobs that cost the most:"
        for line in estimate.mostExpensive.prefix(5) {
            text += "\n  \(line.job)  \(Money(line.cost, currency)) (\(line.seconds) s)"
        }
        text += "\nRaise the budget, render part of the manifest with --only, or --render-what-fits to render as much as fits."
        return text
    }
}
