import Foundation
public import VeoProvider

/// USD per generated second, by model and resolution. Figures are list prices that change often:
/// anything computed from them is an estimate, and users can override them with a JSON file.
public struct PriceTable: Sendable, Codable, Equatable {
    public struct Rate: Sendable, Codable, Equatable {
        /// USD per second at 720p.
        public var p720: Double
        /// USD per second at 1080p.
        public var p1080: Double

        enum CodingKeys: String, CodingKey {
            case p720 = "720p"
            case p1080 = "1080p"
        }
    }

    public var currency: String
    /// Keyed by model id.
    public var rates: [String: Rate]

    /// The provider's public list prices (`ListPrices`).
    public static let defaults = PriceTable(
        currency: ListPrices.currency,
        rates: Dictionary(uniqueKeysWithValues: VideoModel.allCases.map { model in
            (model.rawValue, Rate(p720: ListPrices.usdPerSecond(model, .p720), p1080: ListPrices.usdPerSecond(model, .p1080)))
        }))

    public func rate(model: VideoModel, size: VideoSize) -> Double? {
        guard let rate = rates[model.rawValue] else { return nil }
        return size.resolution == .p1080 ? rate.p1080 : rate.p720
    }
}

/// Totals of a plan, with an estimated cost per model.
public struct PlanEstimate: Sendable {
    public struct ModelLine: Sendable {
        public var model: VideoModel
        public var jobs: Int
        public var seconds: Int
        /// nil when the price table has no rate for the model.
        public var estimatedCost: Double?
    }

    public var jobs: Int
    public var seconds: Int
    public var perModel: [ModelLine]
    public var estimatedCost: Double
    public var currency: String

    public init(jobs: [PlannedJob], prices: PriceTable) {
        self.jobs = jobs.count
        self.seconds = jobs.reduce(0) { $0 + $1.request.seconds.rawValue }
        self.currency = prices.currency
        var lines: [ModelLine] = []
        for model in VideoModel.allCases {
            let these = jobs.filter { $0.request.model == model }
            guard !these.isEmpty else { continue }
            var cost: Double? = 0
            for job in these {
                if let rate = prices.rate(model: model, size: job.request.size) { cost? += rate * Double(job.request.seconds.rawValue) } else { cost = nil }
            }
            lines.append(ModelLine(model: model, jobs: these.count, seconds: these.reduce(0) { $0 + $1.request.seconds.rawValue }, estimatedCost: cost))
        }
        self.perModel = lines
        self.estimatedCost = lines.reduce(0) { $0 + ($1.estimatedCost ?? 0) }
    }
}
