public import VeoMoney
public import VeoProvider

/// Totals of a plan's jobs, with their estimated cost per model, at one price table
/// (`PriceTable.cost(of:)`, the one formula).
public struct PlanEstimate: Sendable {
    public struct ModelLine: Sendable {
        public var model: VideoModel
        public var jobs: Int
        public var seconds: Int
        public var estimatedCost: Amount
    }

    public var jobs: Int
    public var seconds: Int
    public var perModel: [ModelLine]
    /// Each job's estimate, by job id.
    public var perJob: [String: Amount]
    public var estimatedCost: Amount
    public var currency: Currency

    public init(jobs: [PlannedJob], prices: PriceTable) {
        self.jobs = jobs.count
        self.seconds = jobs.reduce(0) { $0 + $1.request.seconds.rawValue }
        self.currency = prices.currency
        perJob = Dictionary(jobs.map { ($0.id, prices.cost(of: $0.request)) }, uniquingKeysWith: { a, _ in a })
        perModel = VideoModel.allCases.compactMap { model in
            let these = jobs.filter { $0.request.model == model }
            guard !these.isEmpty else { return nil }
            return ModelLine(
                model: model, jobs: these.count, seconds: these.reduce(0) { $0 + $1.request.seconds.rawValue },
                estimatedCost: these.reduce(.zero) { $0 + prices.cost(of: $1.request) })
        }
        estimatedCost = perModel.reduce(.zero) { $0 + $1.estimatedCost }
    }

    public var money: Money { Money(estimatedCost, currency) }
}
