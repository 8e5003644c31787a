import Foundation
import VeoProvider

/// Reads a price file (`--prices FILE`) and checks it the way a manifest is checked: every problem
/// is reported with the key path it is at, unknown names get a suggestion, and nothing is silently
/// ignored or mixed with prices in another currency.
///
///     {"currency": "EUR", "rates": {"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}, ...}}
///
/// In USD, models the file does not name keep the built-in list prices; in any other currency the
/// file must price every model (the built-in prices are in USD).
public enum PriceFile {
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// Where in the file: `rates.veo-3.1-generate-preview.1080p`, or "" for the whole file.
        public var keyPath: String
        public var message: String

        public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
    }

    /// Every problem of a file that is not usable.
    public struct Problems: Error, Sendable {
        public var all: [Problem]
    }

    /// The price table, or every problem found.
    public static func load(path: String) -> Result<PriceTable, Problems> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Problems(all: [Problem(keyPath: "", message: "cannot read the file (it does not exist or is not readable)")]))
        }
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let top) = root else {
            return .failure(Problems(all: [Problem(keyPath: "", message: "not a JSON object like {\"currency\": \"USD\", \"rates\": {...}}")]))
        }
        var checker = Checker()
        let table = checker.table(top)
        return checker.problems.isEmpty ? .success(table) : .failure(Problems(all: checker.problems))
    }

    private struct Checker {
        var problems: [Problem] = []

        mutating func problem(_ keyPath: String, _ message: String) {
            problems.append(Problem(keyPath: keyPath, message: message))
        }

        mutating func table(_ top: [String: JSONValue]) -> PriceTable {
            for key in top.keys.sorted() where key != "currency" && key != "rates" {
                problem(key, "unknown key\(Suggest.didYouMean(key, ["currency", "rates"])); a price file has 'currency' and 'rates'")
            }
            let currency = currency(top["currency"])
            var table = PriceTable.defaults
            table.currency = currency
            guard case .object(let rates)? = top["rates"] else {
                problem("rates", top["rates"] == nil ? "missing: give the price per second of each model, by resolution" : "must be an object of models")
                return table
            }
            let models = VideoModel.allCases.map(\.rawValue)
            for (model, value) in rates.sorted(by: { $0.key < $1.key }) {
                guard models.contains(model) else {
                    problem("rates.\(model)", "unknown model\(Suggest.didYouMean(model, models)); the models are \(models.joined(separator: ", "))")
                    continue
                }
                if let rate = rate(value, at: "rates.\(model)") { table.rates[model] = rate }
            }
            if currency != ListPrices.currency {
                for model in models where rates[model] == nil {
                    problem("rates.\(model)", "missing: in \(currency) every model needs a price (the built-in prices are in \(ListPrices.currency))")
                }
            }
            return table
        }

        mutating func currency(_ value: JSONValue?) -> String {
            guard let value else { return ListPrices.currency }
            guard case .string(let text) = value, text.count == 3, text.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                problem("currency", "must be a three-letter currency code such as \"USD\" or \"EUR\"")
                return ListPrices.currency
            }
            return text
        }

        mutating func rate(_ value: JSONValue, at path: String) -> PriceTable.Rate? {
            guard case .object(let fields) = value else {
                problem(path, "must be an object such as {\"720p\": 0.40, \"1080p\": 0.40}")
                return nil
            }
            let names = Resolution.allCases.map(\.rawValue)
            for key in fields.keys.sorted() where !names.contains(key) {
                problem("\(path).\(key)", "unknown resolution\(Suggest.didYouMean(key, names)); the resolutions are \(names.joined(separator: " and "))")
            }
            var prices: [Resolution: Double] = [:]
            for resolution in Resolution.allCases {
                let keyPath = "\(path).\(resolution.rawValue)"
                switch fields[resolution.rawValue] {
                case .number(let n)? where n.isFinite && n >= 0: prices[resolution] = n
                case nil: problem(keyPath, "missing: the price per generated second at \(resolution.rawValue)")
                default: problem(keyPath, "must be a number of at least 0 (the price per generated second)")
                }
            }
            guard let p720 = prices[.p720], let p1080 = prices[.p1080] else { return nil }
            return PriceTable.Rate(p720: p720, p1080: p1080)
        }
    }

    /// Any JSON value, told apart strictly (a number is never a boolean).
    enum JSONValue: Decodable {
        case number(Double)
        case string(String)
        case bool(Bool)
        case object([String: JSONValue])
        case array([JSONValue])
        case null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let o = try? c.decode([String: JSONValue].self) { self = .object(o) }
            else { self = .array(try c.decode([JSONValue].self)) }
        }
    }
}
