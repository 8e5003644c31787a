import Foundation

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
    /// Items of `shots` decoded while the YAML was still loading (every item's node, in order),
    /// and the shots they gave (items that were not a valid shot give none).
    private var streamedNodes: [Int32] = []
    private var streamedShots: [Shot] = []
    /// Room to reserve for streamed shots at the first one (an estimate from the file's size). The
    /// shots of a large file then never move while the list grows, nor when part two's are appended.
    var expectedShots = 0

    init(file: String, table: YAMLNodeTable) {
        self.file = file
        self.t = table
    }

    typealias Node = Int32

    static let jobKeys: [StaticString] = ["model", "prompt", "seconds", "size", "references", "first_frame", "last_frame"]
    static let topKeys: [StaticString] = ["version", "name", "defaults", "vars", "shots"]
    static let shotKeys: [StaticString] = ["id"] + jobKeys + ["after", "takes", "variants"]
    static let variantKeys: [StaticString] = ["id"] + jobKeys
    static let frameKeys: [StaticString] = ["shot", "variant", "take", "frame"]

    init(file: String) {
        self.init(file: file, table: YAMLNodeTable())
    }

    /// Decodes one item of the `shots` list as soon as the loader has it, while libyaml parses the
    /// rest on another thread (see `YAMLLoader.load(bytes:file:streamingItemsOf:onItem:)`).
    mutating func decodeStreamedShot(_ node: Int32, in table: YAMLNodeTable) {
        t = table
        if streamedShots.capacity == 0, expectedShots > 0 { streamedShots.reserveCapacity(expectedShots) }
        if let shot = decodeShot(node) { streamedShots.append(shot) }
        t = YAMLNodeTable()  // let go of the table: the loader goes on appending to it
        streamedNodes.append(node)
    }

    /// Decodes the loaded document, reusing the shots decoded while it loaded.
    mutating func finish(_ document: YAMLDocument) -> Manifest? {
        guard let root = document.root else { return decodeRoot(nil) }
        t = root.owner.table
        defer { t = YAMLNodeTable() }  // the tree can be freed as soon as the caller drops the document
        return decodeRoot(root.id)
    }

    /// Decodes part one of a file loaded in two parts (`YAMLLoader.loadSplit`), then appends the
    /// shots and diagnostics of `rest`, which decoded part two's shots as they loaded.
    mutating func finish(_ document: YAMLDocument, continuedBy rest: ManifestDecoder) -> Manifest? {
        guard var manifest = finish(document) else { return nil }
        diagnostics.append(contentsOf: rest.diagnostics.diagnostics)
        // In place: the shots array has room for both parts (see `expectedShots`); that room is
        // mapped in one call first.
        let (count, added) = (manifest.shots.count, rest.streamedShots.count)
        if added > 0, manifest.shots.capacity >= count + added {
            manifest.shots.withUnsafeMutableBufferPointer { shots in
                guard let base = shots.baseAddress else { return }
                Memory.prefault(UnsafeMutableRawBufferPointer(start: base + count, count: added * MemoryLayout<Shot>.stride))
            }
        }
        manifest.shots.append(contentsOf: rest.streamedShots)
        return manifest
    }

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
        let map = keyed(root, allowed: Self.topKeys, context: "the manifest", allowExtensions: true)

        var version = 1
        if let v = map.value(0) {
            if let n = integer(v), n == 1 {
                version = n
            } else {
                error("unsupported manifest version '\(display(v))'; this tool reads version 1", t.position(v))
            }
        } else {
            error("missing required key 'version' (write 'version: 1')", t.position(root))
        }

        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let n = map.value(1), let s = string(n, field: "name") {
            if s.isBlank {
                error("'name' must not be empty", t.position(n))
            } else {
                name = s
            }
        }

        var defaults = JobFields()
        if let d = map.value(2) {
            if t.kind(d) == .mapping {
                defaults = jobFields(keyed(d, allowed: Self.jobKeys, context: "'defaults'"), offset: 0)
            } else if !t.isNull(d) {
                error("'defaults' must be a mapping of job fields (model, seconds, size...), but this is \(t.kindDescription(d))", t.position(d))
            }
        }

        var vars: [String: Located<String>] = [:]
        if let v = map.value(3) {
            if t.kind(v) == .mapping {
                for i in 0..<t.count(v) {
                    let (k, value) = t.pair(v, i)
                    guard let key = t.scalar(k) else {
                        error("variable names must be strings", t.position(k))
                        continue
                    }
                    if !Self.isVariableName(key) {
                        error("invalid variable name '\(key)': use letters, digits and '_', not starting with a digit", t.position(k))
                    }
                    if let text = string(value, field: "variable '\(key)'") {
                        vars[key] = Located(text, at: t.position(value))
                    }
                }
            } else if !t.isNull(v) {
                error("'vars' must be a mapping of names to text, but this is \(t.kindDescription(v))", t.position(v))
            }
        }

        var shots: [Shot] = []
        if let s = map.value(4) {
            if t.kind(s) == .sequence {
                let count = t.count(s)
                if count == 0 {
                    error("'shots' is empty; a manifest needs at least one shot", t.position(s))
                }
                if streamedNodes.count == count && (0..<count).allSatisfy({ t.item(s, $0) == streamedNodes[$0] }) {
                    // Every item was decoded while loading (the usual case): take the shots as they are.
                    swap(&shots, &streamedShots)
                } else {
                    // The loader handed over none of them (the list came from an alias or a merge
                    // key): they are still in the table. It hands over all items of the list or none,
                    // and drops those it hands over, so the two never mix.
                    shots.reserveCapacity(count)
                    for i in 0..<count {
                        if let shot = decodeShot(t.item(s, i)) { shots.append(shot) }
                    }
                }
                streamedNodes = []
                streamedShots = []
            } else {
                error("'shots' must be a list of shots (each '- id: ...'), but this is \(t.kindDescription(s))", t.position(s))
            }
        } else {
            error("missing required key 'shots' (a list of shots)", t.position(root))
        }

        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return Manifest(file: file, directory: directory, version: version, name: name, defaults: defaults, vars: vars, shots: shots)
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, by hand (see `isWellFormedID`).
    static func isVariableName(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        return letter(first) && s.utf8.dropFirst().allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    // MARK: - Shots and variants

    /// Slots of `shotKeys` (variants use the first eight, the same way).
    enum ShotKey {
        static let id = 0, after = 8, takes = 9, variants = 10
    }

    mutating func decodeShot(_ node: Node) -> Shot? {
        guard t.kind(node) == .mapping else {
            error("a shot must be a mapping with at least 'id' and 'prompt', but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        let position = t.position(node)
        let map = keyed(node, allowed: Self.shotKeys, context: "a shot")
        guard let id = identifier(map.value(ShotKey.id), owner: "shot", at: position) else { return nil }
        let fields = jobFields(map, offset: 1)

        var after: [Located<String>] = []
        if let a = map.value(ShotKey.after) {
            switch t.kind(a) {
            case .sequence:
                for i in 0..<t.count(a) {
                    let item = t.item(a, i)
                    if let s = string(item, field: "after") { after.append(Located(s, at: t.position(item))) }
                }
            case .scalar where !t.isNull(a):
                after.append(Located(t.scalar(a) ?? "", at: t.position(a)))
            default:
                error("'after' must be a list of shot ids", t.position(a))
            }
        }

        var takes: Located<Int>?
        if let n = map.value(ShotKey.takes) {
            if let count = integer(n), (1...Manifest.maxTakes).contains(count) {
                takes = Located(count, at: t.position(n))
            } else {
                error("'takes' must be a whole number from 1 to \(Manifest.maxTakes), not '\(display(n))'", t.position(n))
            }
        }

        var variants: [Variant] = []
        if let v = map.value(ShotKey.variants) {
            if t.kind(v) == .sequence {
                let count = t.count(v)
                if count == 0 { error("'variants' is empty; remove it or list at least one variant", t.position(v)) }
                variants.reserveCapacity(count)
                for i in 0..<count {
                    let item = t.item(v, i)
                    guard t.kind(item) == .mapping else {
                        error("a variant must be a mapping with an 'id' (and the job fields it overrides), but this is \(t.kindDescription(item))", t.position(item))
                        continue
                    }
                    let itemPosition = t.position(item)
                    let vmap = keyed(item, allowed: Self.variantKeys, context: "a variant")
                    guard let vid = identifier(vmap.value(ShotKey.id), owner: "variant", at: itemPosition) else { continue }
                    if let first = variants.first(where: { $0.id.value == vid.value }) {
                        error("duplicate variant id '\(vid.value)' in shot '\(id.value)'", vid.position,
                              notes: [.note("variant '\(vid.value)' is first defined here", at: location(first.id.position))])
                    }
                    variants.append(Variant(id: vid, fields: jobFields(vmap, offset: 1), position: itemPosition))
                }
            } else {
                error("'variants' must be a list of variants (each '- id: ...')", t.position(v))
            }
        }
        return Shot(id: id, fields: fields, after: after, takes: takes, variants: variants, position: position)
    }

    /// `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`, checked by hand: a regex literal is parsed and compiled again
    /// at every evaluation, which made this check most of `validate`'s time on large manifests.
    static func isWellFormedID(_ s: String) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        return alnum(first) && bytes.dropFirst().allSatisfy { alnum($0) || $0 == 0x5F || $0 == 0x2D }
    }

    mutating func identifier(_ value: Node?, owner: String, at position: SourcePosition) -> Located<String>? {
        guard let value else {
            error("this \(owner) has no 'id'", position)
            return nil
        }
        guard let s = string(value, field: "id") else { return nil }
        if !Self.isWellFormedID(s) {
            error("invalid \(owner) id '\(s)': use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit", t.position(value))
        }
        return Located(s, at: t.position(value))
    }

    // MARK: - Job fields

    /// The job fields of a mapping whose slots `offset...offset+6` are `jobKeys`.
    mutating func jobFields(_ map: KeyedMapping, offset: Int) -> JobFields {
        var f = JobFields()
        if let m = map.value(offset), let s = string(m, field: "model") {
            if let model = VideoModel(rawValue: s) {
                f.model = Located(model, at: t.position(m))
            } else {
                error("unknown model '\(s)'\(Suggest.didYouMean(s, VideoModel.allCases.map(\.rawValue))); "
                      + "the models are \(VideoModel.allCases.map { "'\($0.rawValue)'" }.joined(separator: " and "))", t.position(m))
            }
        }
        if let p = map.value(offset + 1) {
            if t.isNull(p) || t.scalar(p, equals: "") {
                // Recorded as empty so the planner does not also report the prompt as missing.
                error("'prompt' is empty; describe the scene, camera movement, light and mood", t.position(p))
                f.prompt = Located("", at: t.position(p))
            } else if let s = string(p, field: "prompt") {
                f.prompt = Located(s, at: t.position(p))
            }
        }
        if let s = map.value(offset + 2) {
            if let n = integer(s), Manifest.allowedSeconds.contains(n) {
                f.seconds = Located(n, at: t.position(s))
            } else {
                error("'seconds' must be 4, 6 or 8, not '\(display(s))'", t.position(s))
            }
        }
        if let s = map.value(offset + 3), let text = string(s, field: "size") {
            if let size = VideoSize(rawValue: text) ?? VideoSize(rawValue: text.lowercased()) {
                f.size = Located(size, at: t.position(s))
            } else {
                error("unknown size '\(text)'\(Suggest.didYouMean(text, VideoSize.allCases.map(\.rawValue))); "
                      + "the sizes are 1280x720, 720x1280, 1920x1080 and 1080x1920", t.position(s))
            }
        }
        if let r = map.value(offset + 4) {
            if t.kind(r) == .sequence {
                let count = t.count(r)
                if count == 0 || count > Manifest.maxReferences {
                    error("'references' takes 1 to \(Manifest.maxReferences) images, not \(count)", t.position(r))
                }
                var images: [Located<ImageSpec>] = []
                images.reserveCapacity(count)
                for i in 0..<count {
                    if let image = image(t.item(r, i), field: "references") { images.append(image) }
                }
                f.references = Located(images, at: t.position(r))
            } else {
                error("'references' must be a list of 1 to \(Manifest.maxReferences) images (e.g. '[assets/lion.jpg]'), but this is \(t.kindDescription(r))", t.position(r))
            }
        }
        if let ff = map.value(offset + 5), let img = image(ff, field: "first_frame") {
            f.firstFrame = img
        }
        if let lf = map.value(offset + 6), let img = image(lf, field: "last_frame") {
            f.lastFrame = img
        }
        return f
    }

    /// A file path, an http(s) URL, or `{shot, variant?, take?, frame}`.
    mutating func image(_ node: Node, field: String) -> Located<ImageSpec>? {
        let position = t.position(node)
        if t.kind(node) == .mapping {
            let map = keyed(node, allowed: Self.frameKeys, context: "a frame reference")
            guard let shotNode = map.value(0), let shot = string(shotNode, field: "shot") else {
                if map.value(0) == nil { error("a frame reference needs 'shot' (the shot whose clip gives the frame)", position) }
                return nil
            }
            var variant: Located<String>?
            if let v = map.value(1), let s = string(v, field: "variant") {
                variant = Located(s, at: t.position(v))
            }
            var take: Located<Int>?
            if let tk = map.value(2) {
                if let n = integer(tk), n >= 1 {
                    take = Located(n, at: t.position(tk))
                } else {
                    error("'take' must be a whole number from 1, not '\(display(tk))'", t.position(tk))
                    return nil
                }
            }
            guard let frameNode = map.value(3) else {
                error("a frame reference needs 'frame: first' or 'frame: last'", position)
                return nil
            }
            let frame: FramePosition? =
                t.scalar(frameNode, equals: "last") ? .last : t.scalar(frameNode, equals: "first") ? .first : nil
            guard let frame else {
                if t.kind(frameNode) != .scalar { _ = string(frameNode, field: "frame") }
                error("'frame' must be 'first' or 'last', not '\(display(frameNode))'", t.position(frameNode))
                return nil
            }
            let reference = FrameReference(
                shot: Located(shot, at: t.position(shotNode)), variant: variant, take: take, frame: frame, position: position)
            return Located(.frame(reference), at: position)
        }
        guard !t.isNull(node) else {
            error("'\(field)' is empty; give a file path, an http(s) URL or {shot: ..., frame: first|last}", position)
            return nil
        }
        guard let text = string(node, field: field) else { return nil }
        if text.isBlank {
            error("'\(field)' is empty; give a file path, an http(s) URL or {shot: ..., frame: first|last}", position)
            return nil
        }
        if text.utf8.contains(UInt8(ascii: ":")), let colon = text.range(of: "://") {
            let scheme = text[..<colon.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else {
                error("unsupported URL scheme '\(scheme)' in '\(text)'; image URLs must be http or https", position)
                return nil
            }
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                error("'\(text)' is not a valid URL", position)
                return nil
            }
            return Located(.url(text), at: position)
        }
        return Located(.path(text), at: position)
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

    func display(_ node: Node) -> String {
        t.scalar(node) ?? t.kindDescription(node)
    }

    /// The mapping's entries by key; unknown keys are reported with a suggestion.
    /// With `allowExtensions`, keys starting with `x-` are accepted and ignored (a place for anchors).
    mutating func keyed(_ mapping: Node, allowed: [StaticString], context: String, allowExtensions: Bool = false) -> KeyedMapping {
        var map = KeyedMapping()
        for i in 0..<t.count(mapping) {
            let (key, value) = t.pair(mapping, i)
            guard t.kind(key) == .scalar else {
                error("keys must be plain names, but this key is \(t.kindDescription(key))", t.position(key))
                continue
            }
            if let slot = allowed.firstIndex(where: { t.scalar(key, equals: $0) }) {
                map.set(slot, value)
            } else if allowExtensions && t.withScalarBytes(key, { $0.starts(with: [0x78, 0x2D]) }) == true {
                continue
            } else {
                let name = t.scalar(key) ?? ""
                let names = allowed.map { "\($0)" }
                error("unknown key '\(name)' in \(context)\(Suggest.didYouMean(name, names)); allowed: \(names.joined(separator: ", "))\(allowExtensions ? ", and x-... for your own anchors" : "")", t.position(key))
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

/// A mapping's known entries by slot (the index of the key in the allowed list). Manifest mappings
/// have a handful of keys, so the slots live inline: no allocation per mapping.
struct KeyedMapping {
    static let capacity = 16
    /// The value node per slot; -1 when absent.
    private var storage: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (-1, -1, -1, -1, -1, -1, -1, -1)

    /// The value node of the key in `slot`, if the mapping has it.
    func value(_ slot: Int) -> Int32? {
        let id = withUnsafeBytes(of: storage) { $0.load(fromByteOffset: 4 * slot, as: Int32.self) }
        return id < 0 ? nil : id
    }

    mutating func set(_ slot: Int, _ value: Int32) {
        precondition(slot < Self.capacity)
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: value, toByteOffset: 4 * slot, as: Int32.self) }
    }
}

/// "did you mean" suggestions by edit distance.
public enum Suggest {
    /// `" (did you mean 'x'?)"`, or "" when nothing is close.
    public static func didYouMean(_ word: String, _ candidates: [String]) -> String {
        guard let best = closest(word, candidates) else { return "" }
        return " (did you mean '\(best)'?)"
    }

    public static func closest(_ word: String, _ candidates: [String]) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(lower, candidate.lowercased())
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        guard let (candidate, d) = best else { return nil }
        if !lower.isEmpty, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lower) }) { return prefixed }
        let limit = max(2, candidate.count / 3)
        return d <= limit ? candidate : nil
    }

    /// Levenshtein distance over characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
