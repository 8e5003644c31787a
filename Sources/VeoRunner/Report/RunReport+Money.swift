import Foundation
public import VeoMoney
import VeoProvider

// The report's money: every figure the views show (the contact sheet, JUnit, the step summary,
// the terminal) is here, priced once by the run's `PriceTable`; no view prices anything.
//
// Amounts are exact decimals (micro-units) written as JSON numbers, with their currency beside
// them. Reports written before this said `spent_usd`, `estimated_usd`, … whatever the currency:
// they are still read (`report`), their figures rounded to the micro-unit.

extension RunReport {
    /// The run's money, in `currency`: estimates at the run's prices, never a bill.
    public struct CostSummary: Codable, Sendable, Equatable {
        public var currency: Currency
        /// Where the prices came from: "list prices", the price file, or the manifest's `prices:`.
        public var prices: String
        /// Committed (reserved in the ledger) by this run.
        public var spent: Amount
        /// Committed by every run in the output folder.
        public var spentTotal: Amount
        /// The estimate of the jobs taken from the cache.
        public var savedByCache: Amount
        /// The smaller money limit (`--max-cost`, `budget.max_usd`), nil without one.
        public var budget: Amount?
        public var remaining: Amount?
        /// The estimates of the jobs skipped because they did not fit what the budget had left.
        public var notFitted: Amount

        public var isListPrices: Bool { prices == PriceTable.listPrices.source }

        enum CodingKeys: String, CodingKey {
            case currency, prices, spent, budget, remaining
            case spentTotal = "spent_total"
            case savedByCache = "saved_by_cache"
            case notFitted = "not_fitted"
        }

        /// The names reports used before amounts said their currency.
        enum LegacyKeys: String, CodingKey {
            case spentUSD = "spent_usd"
            case spentTotalUSD = "spent_total_usd"
            case savedByCacheUSD = "saved_by_cache_usd"
            case budgetUSD = "budget_usd"
            case remainingUSD = "remaining_usd"
        }

        public init(
            currency: Currency, prices: String, spent: Amount, spentTotal: Amount, savedByCache: Amount, budget: Amount?, remaining: Amount?,
            notFitted: Amount
        ) {
            (self.currency, self.prices, self.spent, self.spentTotal) = (currency, prices, spent, spentTotal)
            (self.savedByCache, self.budget, self.remaining, self.notFitted) = (savedByCache, budget, remaining, notFitted)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            currency = try c.decode(Currency.self, forKey: .currency)
            guard c.contains(.spent) else {
                let old = try decoder.container(keyedBy: LegacyKeys.self)
                prices = PriceTable.listPrices.source
                spent = try old.amount(.spentUSD)
                spentTotal = try old.amount(.spentTotalUSD)
                savedByCache = try old.amount(.savedByCacheUSD)
                budget = try old.optionalAmount(.budgetUSD)
                remaining = try old.optionalAmount(.remainingUSD)
                notFitted = .zero
                return
            }
            prices = try c.decode(String.self, forKey: .prices)
            spent = try c.amount(.spent)
            spentTotal = try c.amount(.spentTotal)
            savedByCache = try c.amount(.savedByCache)
            budget = try c.optionalAmount(.budget)
            remaining = try c.optionalAmount(.remaining)
            notFitted = try c.amount(.notFitted)
        }

        // Nulls are written out, so every key is always present.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(currency, forKey: .currency)
            try c.encode(prices, forKey: .prices)
            try c.encode(spent.jsonNumber, forKey: .spent)
            try c.encode(spentTotal.jsonNumber, forKey: .spentTotal)
            try c.encode(savedByCache.jsonNumber, forKey: .savedByCache)
            try c.encode(budget?.jsonNumber, forKey: .budget)
            try c.encode(remaining?.jsonNumber, forKey: .remaining)
            try c.encode(notFitted.jsonNumber, forKey: .notFitted)
        }

        public func money(_ amount: Amount) -> Money { Money(amount, currency) }
    }

    /// One job's cost: its estimate at the run's prices (the amount reserved before its create
    /// request), and whether the provider may bill it.
    public struct JobCost: Codable, Sendable, Equatable {
        public var estimated: Amount
        public var currency: Currency
        public var charged: Bool

        public var money: Money { Money(estimated, currency) }

        enum CodingKeys: String, CodingKey { case estimated, currency, charged }
        enum LegacyKeys: String, CodingKey { case estimatedUSD = "estimated_usd" }

        public init(estimated: Amount, currency: Currency, charged: Bool) {
            (self.estimated, self.currency, self.charged) = (estimated, currency, charged)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            charged = try c.decode(Bool.self, forKey: .charged)
            if c.contains(.estimated) {
                estimated = try c.amount(.estimated)
                currency = try c.decode(Currency.self, forKey: .currency)
            } else {
                // Old reports: list prices in USD (null when the model had no price: counted as 0).
                estimated = try decoder.container(keyedBy: LegacyKeys.self).optionalAmount(.estimatedUSD) ?? .zero
                currency = .usd
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(estimated.jsonNumber, forKey: .estimated)
            try c.encode(currency, forKey: .currency)
            try c.encode(charged, forKey: .charged)
        }
    }

    /// The summary's money: what the ledger says this run and the folder committed, the cache's
    /// savings and the jobs that did not fit, all at the run's prices.
    static func cost(of result: RunResult, prices: PriceTable, budget: BudgetLimits) -> CostSummary {
        let saved = result.outcomes.filter(\.cached).reduce(Amount.zero) { $0 + prices.cost(of: $1.job.request) }
        let notFitted = result.outcomes.filter { $0.skip?.cause == .overBudget }.reduce(Amount.zero) { $0 + prices.cost(of: $1.job.request) }
        return CostSummary(
            currency: prices.currency, prices: prices.source, spent: result.spentThisRun.amount, spentTotal: result.spentTotal.amount,
            savedByCache: saved, budget: budget.budget,
            remaining: budget.remaining(spentTotal: result.spentTotal, spentThisRun: result.spentThisRun), notFitted: notFitted)
    }

    /// A job's cost at the run's prices.
    static func cost(of outcome: JobOutcome, prices: PriceTable) -> JobCost {
        JobCost(estimated: prices.cost(of: outcome.job.request), currency: prices.currency, charged: outcome.charged)
    }
}

extension KeyedDecodingContainer {
    /// An amount written as a JSON number: finite, at least 0, rounded to the micro-unit.
    fileprivate func amount(_ key: Key) throws -> Amount {
        switch Amount.rounding(try decode(Double.self, forKey: key)) {
        case .success(let amount): return amount
        case .failure(let problem):
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "the amount is \(problem)")
        }
    }

    fileprivate func optionalAmount(_ key: Key) throws -> Amount? {
        try decodeNil(forKey: key) || !contains(key) ? nil : amount(key)
    }
}
