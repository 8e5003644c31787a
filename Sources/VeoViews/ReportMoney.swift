public import VeoMoney
public import VeoRunner

/// The money every view of a run shows (the contact sheet, JUnit, the step summary and the
/// terminal's summary line), read from the report's figures: nothing here prices a job, so every
/// view says the same amounts in the same words.
public struct ReportMoney: Sendable {
    public var cost: RunReport.CostSummary

    public init?(_ report: RunReport) {
        guard let cost = report.summary.cost else { return nil }
        self.cost = cost
    }

    /// A job's estimate as the report holds it (nil in reports written before jobs had one).
    public static func estimate(_ job: RunReport.Job) -> Money? {
        job.cost?.money
    }

    /// "list prices", or where the run's prices came from.
    public var pricesSource: String { cost.isListPrices ? "list prices" : cost.prices }

    /// The figures as labelled facts, in the order every view gives them.
    public var facts: [(label: String, value: Money)] {
        var facts: [(String, Money)] = [
            ("Committed by this run", cost.money(cost.spent)),
            ("Committed in this folder (all runs)", cost.money(cost.spentTotal)),
            ("Saved by the cache", cost.money(cost.savedByCache)),
        ]
        if let budget = cost.budget { facts.append(("Budget", cost.money(budget))) }
        if let left = cost.remaining { facts.append(("Budget left", cost.money(left))) }
        if cost.notFitted > .zero { facts.append(("Did not fit the budget", cost.money(cost.notFitted))) }
        return facts
    }

    /// `Cost (estimate): 2.40 USD committed by this run, 4.80 USD in this folder; the cache saved
    /// 0.00 USD; budget left 5.20 USD (estimates from list prices per generated second).`
    public func line(emulated: Bool) -> String {
        var line = "Cost (estimate): \(cost.money(cost.spent)) committed by this run, \(cost.money(cost.spentTotal)) in this folder; "
        line += "the cache saved \(cost.money(cost.savedByCache))"
        if let left = cost.remaining { line += "; budget left \(cost.money(left))" }
        if cost.notFitted > .zero { line += "; \(cost.money(cost.notFitted)) did not fit the budget" }
        return line + " (" + note(emulated: emulated) + ")."
    }

    /// What the figures are: "estimates from list prices per generated second, not a bill".
    public func note(emulated: Bool) -> String {
        "estimates from \(pricesSource) per generated second, " + (emulated ? "emulated: nothing was paid" : "not a bill")
    }
}
