import Foundation
public import VeoManifest
import VeoProvider
public import VeoSupport
public import VeoCache
public import VeoReport

/// What a run would submit and its estimated cost: the jobs that are neither cached nor resumed
/// (nor held back as ambiguous), at list prices per generated second. An estimate, never a bill.
public struct SpendEstimate: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var job: String
        public var usd: Double
        public var seconds: Int
    }

    public var lines: [Line]
    public var usd: Double { lines.reduce(0) { $0 + $1.usd } }
    public var seconds: Int { lines.reduce(0) { $0 + $1.seconds } }
    /// The most expensive jobs first.
    public var mostExpensive: [Line] { lines.sorted { ($0.usd, $1.job) > ($1.usd, $0.job) } }

    public static func cost(of job: PlannedJob, prices: PriceTable) -> Double {
        (prices.rate(model: job.request.model, size: job.request.size) ?? 0) * Double(job.request.seconds.rawValue)
    }

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
            case .ambiguous, .toRender: return Line(job: job.id, usd: cost(of: job, prices: prices), seconds: job.request.seconds.rawValue)
            }
        }
        return SpendEstimate(lines: lines)
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
    public var remainingUSD: Double?
    public var remainingSeconds: Int?
    public var limits: BudgetLimits

    public var description: String {
        var text = String(format: "not started: the jobs to render would cost an estimated %.2f USD (%d s of video)", estimate.usd, estimate.seconds)
        if let left = remainingUSD { text += String(format: ", but the budget has %.2f USD left", left) }
        if let left = remainingSeconds { text += "\(remainingUSD == nil ? ", but" : " and") \(left) s of video left" }
        text += " (\(limits.sources.joined(separator: "; ")))."
        text += "\nThe jobs that cost the most:"
        for line in estimate.mostExpensive.prefix(5) {
            text += String(format: "\n  %@  %.2f USD (%d s)", line.job, line.usd, line.seconds)
        }
        text += "\nRaise the budget, render part of the manifest with --only, or --render-what-fits to render as much as fits."
        return text
    }
}
