public import VeoProvider

/// What a generated second costs, by model and resolution, in one currency. Every table prices
/// every model (the type holds no gaps), so the cost of a request has one rule and no "unknown
/// rate" case: `cost(of:)` below. Figures are estimates (list prices change often), never a bill.
public struct PriceTable: Sendable, Hashable {
    /// The price of a generated second at each resolution.
    public struct Rate: Sendable, Hashable {
        public var p720: Amount
        public var p1080: Amount

        public init(p720: Amount, p1080: Amount) {
            self.p720 = p720
            self.p1080 = p1080
        }

        public subscript(resolution: Resolution) -> Amount { resolution == .p1080 ? p1080 : p720 }
    }

    /// The most a generated second may be priced at: a price file's `1e308` is refused, and no
    /// estimate of a run can overflow.
    public static let maximumRate = Amount(units: 1_000)

    public let currency: Currency
    /// Where the prices came from, for messages: "list prices", "prices.json", "shots.yaml:7:3 (prices)".
    public let source: String
    private let rates: [VideoModel: Rate]

    /// A table that prices every model; nil when one is missing.
    public init?(currency: Currency, rates: [VideoModel: Rate], source: String) {
        guard VideoModel.allCases.allSatisfy({ rates[$0] != nil }) else { return nil }
        (self.currency, self.rates, self.source) = (currency, rates, source)
    }

    /// The provider's public list prices (`ListPrices`), in USD.
    public static let listPrices: PriceTable = {
        var rates: [VideoModel: Rate] = [:]
        for model in VideoModel.allCases {
            func price(_ resolution: Resolution) -> Amount {
                // Our own constants (0.40, 0.10, 0.12): in range by construction.
                (try? Amount.rounding(ListPrices.usdPerSecond(model, resolution)).get()) ?? .zero
            }
            rates[model] = Rate(p720: price(.p720), p1080: price(.p1080))
        }
        return PriceTable(currency: .usd, rates: rates, source: "list prices")!
    }()

    /// Whether these are the built-in list prices (for wording: "an estimate from list prices").
    public var isListPrices: Bool { self == Self.listPrices }

    public func rate(_ model: VideoModel) -> Rate {
        rates[model] ?? Rate(p720: .zero, p1080: .zero)  // unreachable: `init` requires every model
    }

    /// The price of one generated second of `model` at `size`.
    public func rate(model: VideoModel, size: VideoSize) -> Amount {
        rate(model)[size.resolution]
    }

    /// The estimated cost of a request: its rate times its seconds. The one formula.
    public func cost(of request: GenerationRequest) -> Amount {
        rate(model: request.model, size: request.size) * request.seconds.rawValue
    }

    /// `cost(of:)` with its currency.
    public func money(of request: GenerationRequest) -> Money {
        Money(cost(of: request), currency)
    }

    /// The note under every estimate: where the prices came from.
    public var estimateNote: String {
        isListPrices
            ? "an estimate from list prices per generated second; override with --prices FILE"
            : "an estimate from \(source) per generated second, not a quote"
    }
}
