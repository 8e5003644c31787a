import Foundation
public import VeoMoney

/// Reads a price file (`--prices FILE`) through the manifest's YAML loader (JSON is YAML) and the
/// manifest's own reading of prices (`ManifestDecoder.priceTable`): every problem is a diagnostic
/// at `file:line:column`, unknown names get a suggestion, and nothing is silently ignored.
///
///     {"currency": "EUR", "rates": {"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}, ...}}
///
/// In USD, models the file does not name keep the built-in list prices; in any other currency the
/// file must price every model (the built-in prices are in USD).
public enum PriceFile {
    /// The table (nil when the file is not usable), every problem, and the file's text for showing them.
    public struct Loaded: Sendable {
        public var table: PriceTable?
        public var diagnostics: [Diagnostic]
        public var sources: SourceTexts
    }

    public static func load(path: String, yaml: YAMLLoader = YAMLLoader()) -> Loaded {
        var sources = SourceTexts()
        let document: YAMLDocument
        do {
            let loaded = try yaml.load(file: path)
            sources.add(file: path, bytes: Array(loaded.text.utf8))
            document = loaded.document
        } catch {
            return Loaded(table: nil, diagnostics: [error.diagnostic], sources: sources)
        }
        guard let root = document.root else {
            let empty = Diagnostic.error(
                "the price file is empty; write {\"currency\": \"USD\", \"rates\": {...}}", at: SourceLocation(file: path, position: SourcePosition(line: 1, column: 1)))
            return Loaded(table: nil, diagnostics: [empty], sources: sources)
        }
        var decoder = ManifestDecoder(file: path, table: root.owner.table)
        let table = decoder.decodePriceFile(root.id)
        let diagnostics = decoder.diagnostics.diagnostics
        return Loaded(table: diagnostics.contains { $0.severity == .error } ? nil : table, diagnostics: diagnostics, sources: sources)
    }
}

/// A price file's top-level keys.
enum PriceFileKey: Int, MappingKey {
    case currency, rates

    var name: StaticString {
        switch self {
        case .currency: "currency"
        case .rates: "rates"
        }
    }
}

extension ManifestDecoder {
    /// `{"currency": ..., "rates": {model: {720p, 1080p}}}`, read by the manifest's price reading.
    mutating func decodePriceFile(_ root: Node) -> PriceTable? {
        guard t.kind(root) == .mapping else {
            error("a price file is a mapping like {\"currency\": \"USD\", \"rates\": {...}}, but this is \(t.kindDescription(root))", t.position(root))
            return nil
        }
        let map = keyed(root, own: PriceFileKey.self, jobFields: false, context: "a price file")
        guard let rates = map[.rates] else {
            error("missing 'rates': give the price per generated second of each model, by resolution", t.position(root))
            return nil
        }
        guard t.kind(rates) == .mapping else {
            error("'rates' must be a mapping of models to {\"720p\": ..., \"1080p\": ...}, but this is \(t.kindDescription(rates))", t.position(rates))
            return nil
        }
        let models = (0..<t.count(rates)).map { t.pair(rates, $0) }
        return priceTable(currency: map[.currency], models: models, at: rates, context: "'rates'", source: file)
    }
}
