import Foundation
import VeoMoney
import VeoProvider

/// Decodes a YAML tree into a `Manifest`, collecting every problem with its position.
///
/// Scalars take their type from the field that receives them (not from YAML 1.1 rules): a prompt
/// `no` stays "no"; `seconds: 6` and `seconds: "6"` both mean 6.
///
/// It reads the loader's node table by id and matches keys as bytes, so decoding allocates only
/// the values it keeps (a 10,000-shot manifest decodes in a few milliseconds).
public struct ManifestDecoder: Sendable {
    let file: String
    var t: YAMLNodeTable
    private(set) var diagnostics = DiagnosticBag()
    /// The variants the matrices decoded so far made (`ShotMatrix.maxVariantsPerManifest`).
    var matrixVariants = 0

    init(file: String, table: YAMLNodeTable) {
        self.file = file
        self.t = table
    }

    typealias Node = Int32

    /// Decodes the document; returns nil (with diagnostics) when it is not a manifest at all.
    public static func decode(_ document: YAMLDocument) -> (manifest: Manifest?, diagnostics: [Diagnostic]) {
        guard let root = document.root else {
            var decoder = ManifestDecoder(file: document.file, table: YAMLNodeTable())
            let manifest = decoder.decodeRoot(nil)
            return (manifest, decoder.diagnostics.diagnostics)
        }
        var decoder = ManifestDecoder(file: document.file, table: root.owner.table)
        let manifest = decoder.decodeRoot(root.id)
        return (manifest, decoder.diagnostics.diagnostics)
    }

    // MARK: - Root

    mutating func decodeRoot(_ root: Node?) -> Manifest? {
        guard let root, !t.isNull(root) else {
            error("the manifest is empty; it needs at least 'version: 1' and a list of 'shots'", SourcePosition(line: 1, column: 1))
            return nil
        }
        guard t.kind(root) == .mapping else {
            error("a manifest is a mapping with 'version' and 'shots', but this is \(t.kindDescription(root))", t.position(root))
            return nil
        }
        let map = keyed(root, own: TopKey.self, jobFields: false, context: "the manifest", allowExtensions: true)
        let version = decodeVersion(map[.version], root: root)
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let n = map[.name], let s = string(n, field: "name") {
            if s.isBlank {
                error("'name' must not be empty", t.position(n))
            } else {
                name = s
            }
        }
        var defaults = JobFields()
        if let d = map[.defaults] {
            if t.kind(d) == .mapping {
                defaults = jobFields(keyed(d, own: DefaultsKey.self, jobFields: true, context: "'defaults'"))
            } else if !t.isNull(d) {
                error("'defaults' must be a mapping of job fields (model, seconds, size...), but this is \(t.kindDescription(d))", t.position(d))
            }
        }
        let vars = map[.vars].map { decodeVars($0) } ?? [:]
        var shots: [Shot] = []
        if let s = map[.shots] {
            shots = decodeShots(s)
        } else {
            error("missing required key 'shots' (a list of shots)", t.position(root))
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        var manifest = Manifest(file: file, directory: directory, version: version, name: name, defaults: defaults, vars: vars, shots: shots)
        decodeMoney(map, into: &manifest)
        if let c = map[.cuts] { manifest.cuts = decodeCuts(c) }
        return manifest
    }

    /// `budget:` and `prices:` (ManifestDecoder+Money.swift).
    private mutating func decodeMoney(_ map: KeyedMapping<TopKey>, into manifest: inout Manifest) {
        manifest.budget = map[.budget].flatMap { decodeBudget($0) }
        manifest.prices = map[.prices].flatMap { decodePrices($0) }
        // Checked on the written currency, so it is said even when a price is wrong too.
        if let usd = manifest.budget?.maxUSD, let node = map[.prices], let currency = writtenCurrency(ofPrices: node), currency != .usd {
            error("'budget.max_usd' is in USD but 'prices' are in \(currency); a budget and prices in different currencies cannot be compared: give the prices in USD, or drop 'max_usd' and use --max-cost '<amount> \(currency)'", usd.position)
        }
    }

    private mutating func decodeVersion(_ node: Node?, root: Node) -> Int {
        guard let node else {
            error("missing required key 'version' (write 'version: 1')", t.position(root))
            return 1
        }
        if let n = integer(node), n == 1 { return n }
        error("unsupported manifest version '\(display(node))'; this tool reads version 1", t.position(node))
        return 1
    }

    private mutating func decodeVars(_ node: Node) -> [String: Located<String>] {
        guard t.kind(node) == .mapping else {
            if !t.isNull(node) { error("'vars' must be a mapping of names to text, but this is \(t.kindDescription(node))", t.position(node)) }
            return [:]
        }
        var vars: [String: Located<String>] = [:]
        for i in 0..<t.count(node) {
            let (k, value) = t.pair(node, i)
            guard let key = t.scalar(k) else {
                error("variable names must be strings", t.position(k))
                continue
            }
            if !Self.isVariableName(key) {
                error("invalid variable name '\(DiagnosticText.excerpt(key))': use letters, digits and '_', not starting with a digit", t.position(k))
            }
            if let text = string(value, field: "variable '\(key)'") {
                vars[key] = Located(text, at: t.position(value))
            }
        }
        return vars
    }

    /// The `shots` list, each item decoded in turn.
    private mutating func decodeShots(_ list: Node) -> [Shot] {
        guard t.kind(list) == .sequence else {
            error("'shots' must be a list of shots (each '- id: ...'), but this is \(t.kindDescription(list))", t.position(list))
            return []
        }
        let count = t.count(list)
        if count == 0 { error("'shots' is empty; a manifest needs at least one shot", t.position(list)) }
        var shots: [Shot] = []
        shots.reserveCapacity(count)
        for i in 0..<count {
            if let shot = decodeShot(t.item(list, i)) { shots.append(shot) }
        }
        return shots
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, by hand (see `isWellFormedID`).
    static func isVariableName(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        return letter(first) && s.utf8.dropFirst().allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    // MARK: - Scalars, typed by the receiving field

    /// A whole number from a plain or quoted scalar: `6` and `"6"` both give 6.
    func integer(_ node: Node) -> Int? {
        guard t.kind(node) == .scalar, !t.isNull(node) else { return nil }
        // Fast path: a short run of ASCII digits.
        let fast: Int?? = t.withScalarBytes(node) { bytes -> Int? in
            guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
            var n = 0
            for b in bytes {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                n = n * 10 + Int(b - 0x30)
            }
            return n
        }
        if let n = fast ?? nil { return n }
        guard let s = t.scalar(node) else { return nil }
        if let n = Int(s) { return n }
        return Int(s.trimmingCharacters(in: .whitespaces))
    }

    /// Text from any scalar; lists and mappings are an error.
    mutating func string(_ node: Node, field: String) -> String? {
        guard let s = t.scalar(node) else {
            error("'\(field)' must be text, but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        return s
    }

    /// A value as quoted in a message: a short, escaped excerpt of a scalar (see `DiagnosticText`),
    /// or what kind of node it is.
    func display(_ node: Node) -> String {
        t.scalar(node).map { DiagnosticText.excerpt($0) } ?? t.kindDescription(node)
    }

    /// The mapping's entries by key (its own keys, and the job fields when `jobFields`); unknown
    /// keys are reported with a suggestion. With `allowExtensions`, keys starting with `x-` are
    /// accepted and ignored (a place for anchors).
    mutating func keyed<Own: MappingKey>(
        _ mapping: Node, own: Own.Type, jobFields: Bool, context: String, allowExtensions: Bool = false
    ) -> KeyedMapping<Own> {
        var map = KeyedMapping<Own>()
        for i in 0..<t.count(mapping) {
            let (key, value) = t.pair(mapping, i)
            guard t.kind(key) == .scalar else {
                error("keys must be plain names, but this key is \(t.kindDescription(key))", t.position(key))
                continue
            }
            if let ownKey = Own.allCases.first(where: { t.scalar(key, equals: $0.name) }) {
                map.set(ownKey, value)
            } else if jobFields, let jobKey = JobKey.allCases.first(where: { t.scalar(key, equals: $0.name) }) {
                map.set(jobKey, value)
            } else if allowExtensions && t.withScalarBytes(key, { $0.starts(with: [0x78, 0x2D]) }) == true {
                continue
            } else {
                let name = t.scalar(key) ?? ""
                let names = Own.allCases.map { "\($0.name)" } + (jobFields ? JobKey.allCases.map { "\($0.name)" } : [])
                error("unknown key '\(DiagnosticText.excerpt(name))' in \(context)\(Suggest.didYouMean(name, names)); allowed: \(names.joined(separator: ", "))\(allowExtensions ? ", and x-... for your own anchors" : "")", t.position(key))
            }
        }
        return map
    }

    // MARK: - Diagnostics

    func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: position)
    }

    mutating func error(_ message: String, _ position: SourcePosition, notes: [Diagnostic] = []) {
        diagnostics.append(.error(message, at: location(position), notes: notes))
    }
}
