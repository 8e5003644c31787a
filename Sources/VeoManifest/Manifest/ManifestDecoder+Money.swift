import VeoProvider

/// `budget:` and `prices:`, each value checked at its node.
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
            if let value = number(n), value >= 0, value.isFinite {
                budget.maxUSD = Located(value, at: t.position(n))
            } else {
                error("'max_usd' must be an amount in USD of at least 0, not '\(display(n))'", t.position(n))
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

    /// `prices:` as a price table: the list prices, with the models it names replaced.
    mutating func decodePrices(_ node: Node) -> Located<PriceTable>? {
        guard t.kind(node) == .mapping else {
            error("'prices' must be a mapping of models to {720p: ..., 1080p: ...}, but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        var table = PriceTable.defaults
        var named: Set<String> = []
        let models = VideoModel.allCases.map(\.rawValue)
        for i in 0..<t.count(node) {
            let (k, value) = t.pair(node, i)
            guard let key = t.scalar(k) else { continue }
            if key == "currency" {
                if let text = string(value, field: "currency"), text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                    table.currency = text
                } else {
                    error("'currency' must be a three-letter currency code such as USD or EUR, not '\(display(value))'", t.position(value))
                }
            } else if models.contains(key) {
                named.insert(key)
                if let rate = rate(value, model: key) { table.rates[key] = rate }
            } else {
                error("unknown model '\(key)' in 'prices'\(Suggest.didYouMean(key, models + ["currency"])); the models are \(models.joined(separator: ", "))", t.position(k))
            }
        }
        if table.currency != ListPrices.currency {
            for model in models where !named.contains(model) {
                error("'prices' is in \(table.currency), so it must price '\(model)' too (the list prices are in \(ListPrices.currency))", t.position(node))
            }
        }
        return Located(table, at: t.position(node))
    }

    private mutating func rate(_ node: Node, model: String) -> PriceTable.Rate? {
        guard t.kind(node) == .mapping else {
            error("the price of '\(model)' must be a mapping such as {720p: 0.40, 1080p: 0.40}, but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        var prices: [Resolution: Double] = [:]
        let names = Resolution.allCases.map(\.rawValue)
        for i in 0..<t.count(node) {
            let (k, value) = t.pair(node, i)
            let key = t.scalar(k) ?? ""
            guard let resolution = Resolution(rawValue: key) else {
                error("unknown resolution '\(key)' for '\(model)'\(Suggest.didYouMean(key, names)); the resolutions are \(names.joined(separator: " and "))", t.position(k))
                continue
            }
            if let n = number(value), n >= 0, n.isFinite {
                prices[resolution] = n
            } else {
                error("the price of '\(model)' at \(key) must be a number of at least 0 (per generated second), not '\(display(value))'", t.position(value))
            }
        }
        for resolution in Resolution.allCases where prices[resolution] == nil && !hasKey(node, resolution.rawValue) {
            error("'\(model)' has no price at \(resolution.rawValue); give both {720p: ..., 1080p: ...}", t.position(node))
        }
        guard let p720 = prices[.p720], let p1080 = prices[.p1080] else { return nil }
        return PriceTable.Rate(p720: p720, p1080: p1080)
    }

    private func hasKey(_ mapping: Node, _ name: String) -> Bool {
        (0..<t.count(mapping)).contains { t.scalar(t.pair(mapping, $0).key) == name }
    }

    /// A decimal number from a scalar: `0.40`, `25`, `"1.5"`.
    func number(_ node: Node) -> Double? {
        guard t.kind(node) == .scalar, !t.isNull(node), let text = t.scalar(node) else { return nil }
        return Double(text.trimmingCharacters(in: .whitespaces))
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
    public var maxUSD: Located<Double>?
    public var maxVideoSeconds: Located<Int>?
    public var position: SourcePosition
}
