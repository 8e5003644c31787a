/// What has been committed: money and seconds of video.
public struct Spent: Sendable, Hashable {
    public var amount: Amount
    public var seconds: Int

    public init(amount: Amount = .zero, seconds: Int = 0) {
        self.amount = amount
        self.seconds = seconds
    }

    public static func += (a: inout Spent, b: Spent) {
        a.amount += b.amount
        a.seconds += b.seconds
    }

    public static func -= (a: inout Spent, b: Spent) {
        a.amount -= b.amount
        a.seconds -= b.seconds
    }
}

/// The limits a run spends under: `--max-cost` for this invocation, the manifest's `budget` for
/// everything its output folder has spent. Both apply; the smaller remainder wins. `fits` is the
/// one rule for "does it fit" (the runner's start, each reservation, `plan`).
public struct BudgetLimits: Sendable, Hashable {
    /// The currency every money limit is in.
    public var currency: Currency
    /// `--max-cost`: this invocation.
    public var maxCostThisRun: Amount?
    /// `budget.max_usd`: the folder, all runs.
    public var maxCostTotal: Amount?
    /// `budget.max_video_seconds`: the folder, all runs.
    public var maxSecondsTotal: Int?
    /// Where each limit was set, for messages: "--max-cost 5.00 USD for this run", "budget.max_usd …, shots.yaml:4:12".
    public var sources: [String] = []

    public init(
        currency: Currency = .usd, maxCostThisRun: Amount? = nil, maxCostTotal: Amount? = nil, maxSecondsTotal: Int? = nil,
        sources: [String] = []
    ) {
        self.currency = currency
        self.maxCostThisRun = maxCostThisRun
        self.maxCostTotal = maxCostTotal
        self.maxSecondsTotal = maxSecondsTotal
        self.sources = sources
    }

    public var isEmpty: Bool { maxCostThisRun == nil && maxCostTotal == nil && maxSecondsTotal == nil }
    public var hasMoneyLimit: Bool { maxCostThisRun != nil || maxCostTotal != nil }

    /// The smaller money limit (nil: none).
    public var budget: Amount? { [maxCostThisRun, maxCostTotal].compactMap { $0 }.min() }

    /// What is left to spend (nil: no money limit); never below zero.
    public func remaining(spentTotal: Spent, spentThisRun: Spent) -> Amount? {
        let left = [maxCostThisRun.map { $0 - spentThisRun.amount }, maxCostTotal.map { $0 - spentTotal.amount }].compactMap { $0 }
        return left.min().map { max(.zero, $0) }
    }

    public func remainingSeconds(spentTotal: Spent) -> Int? {
        maxSecondsTotal.map { max(0, $0 - spentTotal.seconds) }
    }

    /// Whether spending `more` stays within every limit. Amounts are exact: no rounding allowance.
    public func fits(_ more: Spent, spentTotal: Spent, spentThisRun: Spent) -> Bool {
        if let left = remaining(spentTotal: spentTotal, spentThisRun: spentThisRun), more.amount > left { return false }
        if let left = remainingSeconds(spentTotal: spentTotal), more.seconds > left { return false }
        return true
    }

    /// A money limit in another currency than the prices cannot be compared with their estimates.
    public func check(against prices: PriceTable) -> CurrencyMismatch? {
        guard hasMoneyLimit, currency != prices.currency else { return nil }
        return CurrencyMismatch(budget: currency, prices: prices.currency, budgetSources: sources, pricesSource: prices.source)
    }
}

/// A budget in one currency and prices in another: refused before anything is estimated.
public struct CurrencyMismatch: Error, Sendable, Hashable, CustomStringConvertible {
    public var budget: Currency
    public var prices: Currency
    public var budgetSources: [String]
    public var pricesSource: String

    public var description: String {
        "the budget is in \(budget) (\(budgetSources.joined(separator: "; "))) but the prices are in \(prices) (\(pricesSource)); "
            + "a budget and prices in different currencies cannot be compared: give the budget in \(prices) "
            + "(--max-cost '<amount> \(prices)') or the prices in \(budget)"
    }
}
