public import VeoMoney
import VeoProvider

/// `budget:` and `prices:`, each value checked at its node. The price file (`--prices`,
/// `PriceFile`) is read by the same code: one parser for prices, with `file:line:column`.
///
///     budget:
///       max_usd: 25               # the most this output folder may spend on this manifest, in total
///       max_video_seconds: 120    # the most seconds of video it may generate, in total
///     prices:                     # per generated second, by model and resolution; overrides the list prices
///       currency: USD
///       veo-3.1-generate-preview: {720p: 0.40, 1080p: 0.40}
extension ManifestDecoder {
    mutating func decodeBudget(_ node: Node) -> ManifestBudget? {
        guard t.kind(node) == .mapping else {
            error("'budget' must be a mapping with 'max_usd' and/or 'max_video_seconds', but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        let map = keyed(node, own: BudgetKey.self, jobFields: false, context: "'budget'")
        var budget = ManifestBudget(position: t.position(node))
        if let n = map[.maxUSD] {
            switch amount(n, maximum: .maximum) {
            case .success(let value): budget.maxUSD = Located(value, at: t.position(n))
            case .failure(let problem):
                error("'max_usd' must be an amount in USD from 0 to \(Amount.maximum), not '\(display(n))' (\(problem))", t.position(n))
            }
        }
        if let n = map[.maxVideoSeconds] {
            if let value = integer(n), value >= 0 {
                budget.maxVideoSeconds = Located(value, at: t.position(n))
            } else {
                error("'max_video_seconds' must be a whole number of seconds of at least 0, not '\(display(n))'", t.position(n))
            }
        }
        if budget.maxUSD == nil && budget.maxVideoSeconds == nil && map[.maxUSD] == nil && map[.maxVideoSeconds] == nil {
            error("'budget' sets no limit; give 'max_usd' and/or 'max_video_seconds'", t.position(node))
        }
        return budget
    }

    /// `prices:` as a price table: its `currency` and models (the list prices for models it does not name).
    mutating func decodePrices(_ node: Node) -> Located<PriceTable>? {
        guard t.kind(node) == .mapping else {
            error("'prices' must be a mapping of models to {720p: ..., 1080p: ...}, but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        var currency: Node?
        var models: [(key: Node, value: Node)] = []
        for i in 0..<t.count(node) {
            let pair = t.pair(node, i)
            if t.scalar(pair.key) == "currency" { currency = pair.value } else { models.append(pair) }
        }
        let position = t.position(node)
        let source = "\(file):\(position.line):\(position.column) (prices)"
        return priceTable(currency: currency, models: models, at: node, context: "'prices'", source: source).map { Located($0, at: position) }
    }

    /// The one reading of prices: a currency (USD when absent) and a rate per named model; in USD
    /// the models not named keep the list prices, in any other currency each must be named.
    /// Every rate is a decimal from 0 to `PriceTable.maximumRate`, read exactly.
    mutating func priceTable(currency node: Node?, models: [(key: Node, value: Node)], at mapping: Node, context: String, source: String) -> PriceTable? {
        var currency = Currency.usd
        if let node {
            if let text = t.scalar(node), let code = Currency(rawValue: text) {
                currency = code
            } else {
                error("'currency' must be a three-letter currency code such as USD or EUR, not '\(display(node))'", t.position(node))
            }
        }
        var rates: [VideoModel: PriceTable.Rate] = [:]
        var valid = true
        let names = VideoModel.allCases.map(\.rawValue)
        for (k, value) in models {
            guard let key = t.scalar(k), let model = VideoModel(rawValue: key) else {
                let key = t.scalar(k) ?? ""
                error("unknown model '\(DiagnosticText.excerpt(key))' in \(context)\(Suggest.didYouMean(key, names + ["currency"])); the models are \(names.joined(separator: ", "))", t.position(k))
                valid = false
                continue
            }
            if let rate = rate(value, model: key) { rates[model] = rate } else { valid = false }
        }
        for model in VideoModel.allCases where rates[model] == nil {
            if currency == .usd {
                rates[model] = PriceTable.listPrices.rate(model)
            } else if !models.contains(where: { t.scalar($0.key) == model.rawValue }) {
                error("\(context) is in \(currency), so it must price '\(model.rawValue)' too (the list prices are in \(Currency.usd))", t.position(mapping))
                valid = false
            }
        }
        guard valid else { return nil }
        return PriceTable(currency: currency, rates: rates, source: source)
    }

    private mutating func rate(_ node: Node, model: String) -> PriceTable.Rate? {
        guard t.kind(node) == .mapping else {
            error("the price of '\(model)' must be a mapping such as {720p: 0.40, 1080p: 0.40}, but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        var prices: [Resolution: Amount] = [:]
        let names = Resolution.allCases.map(\.rawValue)
        for i in 0..<t.count(node) {
            let (k, value) = t.pair(node, i)
            let key = t.scalar(k) ?? ""
            guard let resolution = Resolution(rawValue: key) else {
                error("unknown resolution '\(DiagnosticText.excerpt(key))' for '\(model)'\(Suggest.didYouMean(key, names)); the resolutions are \(names.joined(separator: " and "))", t.position(k))
                continue
            }
            switch amount(value, maximum: PriceTable.maximumRate) {
            case .success(let price): prices[resolution] = price
            case .failure(let problem):
                error(
                    "the price of '\(model)' at \(key) must be a number from 0 to \(PriceTable.maximumRate) (per generated second), not '\(display(value))' (\(problem))",
                    t.position(value))
            }
        }
        for resolution in Resolution.allCases where prices[resolution] == nil && !hasKey(node, resolution.rawValue) {
            error("'\(model)' has no price at \(resolution.rawValue); give both {720p: ..., 1080p: ...}", t.position(node))
        }
        guard let p720 = prices[.p720], let p1080 = prices[.p1080] else { return nil }
        return PriceTable.Rate(p720: p720, p1080: p1080)
    }

    /// The `currency` a `prices:` mapping names, when it is a valid code.
    func writtenCurrency(ofPrices node: Node) -> Currency? {
        guard t.kind(node) == .mapping else { return nil }
        let pair = (0..<t.count(node)).map { t.pair(node, $0) }.first { t.scalar($0.key) == "currency" }
        return pair.flatMap { t.scalar($0.value) }.flatMap { Currency(rawValue: $0) }
    }

    private func hasKey(_ mapping: Node, _ name: String) -> Bool {
        (0..<t.count(mapping)).contains { t.scalar(t.pair(mapping, $0).key) == name }
    }

    /// A decimal number from a scalar: `0.40`, `25`, `"1.5"` (lengths in seconds; never money).
    func number(_ node: Node) -> Double? {
        guard t.kind(node) == .scalar, !t.isNull(node), let text = t.scalar(node) else { return nil }
        return Double(text.trimmingCharacters(in: .whitespaces))
    }

    /// An exact amount from a scalar: `0.40`, `25`, `"1.5"`; a list, a mapping or null is not a number.
    func amount(_ node: Node, maximum: Amount) -> Result<Amount, Amount.Problem> {
        guard t.kind(node) == .scalar, !t.isNull(node), let text = t.scalar(node) else { return .failure(.notANumber) }
        return Amount.parse(text, maximum: maximum)
    }
}

/// `budget`'s keys.
enum BudgetKey: Int, MappingKey {
    case maxUSD, maxVideoSeconds

    var name: StaticString {
        switch self {
        case .maxUSD: "max_usd"
        case .maxVideoSeconds: "max_video_seconds"
        }
    }
}

/// A manifest's `budget`: what the output folder may spend on it, in total, over all runs.
public struct ManifestBudget: Sendable {
    /// In USD (the key says so).
    public var maxUSD: Located<Amount>?
    public var maxVideoSeconds: Located<Int>?
    public var position: SourcePosition
}
