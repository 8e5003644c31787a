import Foundation

/// Decodes a YAML tree into a `Manifest`, collecting every problem with its position.
///
/// Scalars take their type from the field that receives them (not from YAML 1.1 rules): a prompt
/// `no` stays "no"; `seconds: 6` and `seconds: "6"` both mean 6.
public struct ManifestDecoder {
    let file: String
    private(set) var diagnostics = DiagnosticBag()

    public init(file: String) {
        self.file = file
    }

    static let topKeys = ["version", "name", "defaults", "vars", "shots"]
    static let shotKeys = ["id"] + JobFields.keys + ["after", "takes", "variants"]
    static let variantKeys = ["id"] + JobFields.keys
    static let frameKeys = ["shot", "variant", "take", "frame"]
    static let idPattern = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}"

    /// Decodes the document; returns nil (with diagnostics) when it is not a manifest at all.
    public static func decode(_ document: YAMLDocument) -> (manifest: Manifest?, diagnostics: [Diagnostic]) {
        var decoder = ManifestDecoder(file: document.file)
        let manifest = decoder.decodeRoot(document.root)
        return (manifest, decoder.diagnostics.diagnostics)
    }

    // MARK: - Root

    mutating func decodeRoot(_ root: YAMLNode?) -> Manifest? {
        guard let root, !root.isNull else {
            error("the manifest is empty; it needs at least 'version: 1' and a list of 'shots'", SourcePosition(line: 1, column: 1))
            return nil
        }
        guard let pairs = root.mapping else {
            error("a manifest is a mapping with 'version' and 'shots', but this is \(root.kindDescription)", root.position)
            return nil
        }
        let map = keyed(pairs, allowed: Self.topKeys, context: "the manifest", allowExtensions: true)

        var version = 1
        if let v = map["version"] {
            if let n = integer(v.value), n == 1 {
                version = n
            } else {
                error("unsupported manifest version '\(v.value.scalar ?? v.value.kindDescription)'; this tool reads version 1", v.value.position)
            }
        } else {
            error("missing required key 'version' (write 'version: 1')", root.position)
        }

        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let n = map["name"], let s = string(n.value, field: "name") {
            if s.isBlank {
                error("'name' must not be empty", n.value.position)
            } else {
                name = s
            }
        }

        var defaults = JobFields()
        if let d = map["defaults"] {
            if let dp = d.value.mapping {
                let dmap = keyed(dp, allowed: JobFields.keys, context: "'defaults'")
                defaults = jobFields(dmap)
            } else if !d.value.isNull {
                error("'defaults' must be a mapping of job fields (model, seconds, size...), but this is \(d.value.kindDescription)", d.value.position)
            }
        }

        var vars: [String: Located<String>] = [:]
        if let v = map["vars"] {
            if let vp = v.value.mapping {
                for pair in vp {
                    guard let key = pair.key.scalar else {
                        error("variable names must be strings", pair.key.position)
                        continue
                    }
                    if key.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) == nil {
                        error("invalid variable name '\(key)': use letters, digits and '_', not starting with a digit", pair.key.position)
                    }
                    if let value = string(pair.value, field: "variable '\(key)'") {
                        vars[key] = Located(value, at: pair.value.position)
                    }
                }
            } else if !v.value.isNull {
                error("'vars' must be a mapping of names to text, but this is \(v.value.kindDescription)", v.value.position)
            }
        }

        var shots: [Shot] = []
        if let s = map["shots"] {
            if let items = s.value.sequence {
                if items.isEmpty {
                    error("'shots' is empty; a manifest needs at least one shot", s.value.position)
                }
                shots.reserveCapacity(items.count)
                for item in items {
                    if let shot = decodeShot(item) { shots.append(shot) }
                }
            } else {
                error("'shots' must be a list of shots (each '- id: ...'), but this is \(s.value.kindDescription)", s.value.position)
            }
        } else {
            error("missing required key 'shots' (a list of shots)", root.position)
        }

        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return Manifest(file: file, directory: directory, version: version, name: name, defaults: defaults, vars: vars, shots: shots)
    }

    // MARK: - Shots and variants

    mutating func decodeShot(_ node: YAMLNode) -> Shot? {
        guard let pairs = node.mapping else {
            error("a shot must be a mapping with at least 'id' and 'prompt', but this is \(node.kindDescription)", node.position)
            return nil
        }
        let map = keyed(pairs, allowed: Self.shotKeys, context: "a shot")
        guard let id = identifier(map["id"], owner: "shot", at: node.position) else { return nil }
        let fields = jobFields(map)

        var after: [Located<String>] = []
        if let a = map["after"] {
            if let items = a.value.sequence {
                for item in items {
                    if let s = string(item, field: "after") { after.append(Located(s, at: item.position)) }
                }
            } else if let s = a.value.scalar, !a.value.isNull {
                after.append(Located(s, at: a.value.position))
            } else {
                error("'after' must be a list of shot ids", a.value.position)
            }
        }

        var takes: Located<Int>?
        if let t = map["takes"] {
            if let n = integer(t.value), (1...Manifest.maxTakes).contains(n) {
                takes = Located(n, at: t.value.position)
            } else {
                error("'takes' must be a whole number from 1 to \(Manifest.maxTakes), not '\(display(t.value))'", t.value.position)
            }
        }

        var variants: [Variant] = []
        if let v = map["variants"] {
            if let items = v.value.sequence {
                if items.isEmpty { error("'variants' is empty; remove it or list at least one variant", v.value.position) }
                var seen: [String: SourcePosition] = [:]
                for item in items {
                    guard let vp = item.mapping else {
                        error("a variant must be a mapping with an 'id' (and the job fields it overrides), but this is \(item.kindDescription)", item.position)
                        continue
                    }
                    let vmap = keyed(vp, allowed: Self.variantKeys, context: "a variant")
                    guard let vid = identifier(vmap["id"], owner: "variant", at: item.position) else { continue }
                    if let first = seen[vid.value] {
                        error("duplicate variant id '\(vid.value)' in shot '\(id.value)'", vid.position,
                              notes: [.note("variant '\(vid.value)' is first defined here", at: location(first))])
                    } else {
                        seen[vid.value] = vid.position
                    }
                    variants.append(Variant(id: vid, fields: jobFields(vmap), position: item.position))
                }
            } else {
                error("'variants' must be a list of variants (each '- id: ...')", v.value.position)
            }
        }
        return Shot(id: id, fields: fields, after: after, takes: takes, variants: variants, position: node.position)
    }

    /// `[A-Za-z0-9][A-Za-z0-9_-]{0,63}`, checked by hand: a regex literal is parsed and compiled again
    /// at every evaluation, which made this check most of `validate`'s time on large manifests.
    static func isWellFormedID(_ s: String) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        return alnum(first) && bytes.dropFirst().allSatisfy { alnum($0) || $0 == 0x5F || $0 == 0x2D }
    }

    mutating func identifier(_ entry: (key: YAMLNode, value: YAMLNode)?, owner: String, at position: SourcePosition) -> Located<String>? {
        guard let entry else {
            error("this \(owner) has no 'id'", position)
            return nil
        }
        guard let s = string(entry.value, field: "id") else { return nil }
        if !Self.isWellFormedID(s) {
            error("invalid \(owner) id '\(s)': use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit", entry.value.position)
        }
        return Located(s, at: entry.value.position)
    }

    // MARK: - Job fields

    mutating func jobFields(_ map: KeyedMapping) -> JobFields {
        var f = JobFields()
        if let m = map["model"], let s = string(m.value, field: "model") {
            if let model = VideoModel(rawValue: s) {
                f.model = Located(model, at: m.value.position)
            } else {
                error("unknown model '\(s)'\(Suggest.didYouMean(s, VideoModel.allCases.map(\.rawValue))); "
                      + "the models are \(VideoModel.allCases.map { "'\($0.rawValue)'" }.joined(separator: " and "))", m.value.position)
            }
        }
        if let p = map["prompt"] {
            if p.value.isNull || p.value.scalar == "" {
                // Recorded as empty so the planner does not also report the prompt as missing.
                error("'prompt' is empty; describe the scene, camera movement, light and mood", p.value.position)
                f.prompt = Located("", at: p.value.position)
            } else if let s = string(p.value, field: "prompt") {
                f.prompt = Located(s, at: p.value.position)
            }
        }
        if let s = map["seconds"] {
            if let n = integer(s.value), Manifest.allowedSeconds.contains(n) {
                f.seconds = Located(n, at: s.value.position)
            } else {
                error("'seconds' must be 4, 6 or 8, not '\(display(s.value))'", s.value.position)
            }
        }
        if let s = map["size"], let text = string(s.value, field: "size") {
            if let size = VideoSize(rawValue: text.lowercased()) {
                f.size = Located(size, at: s.value.position)
            } else {
                error("unknown size '\(text)'\(Suggest.didYouMean(text, VideoSize.allCases.map(\.rawValue))); "
                      + "the sizes are 1280x720, 720x1280, 1920x1080 and 1080x1920", s.value.position)
            }
        }
        if let r = map["references"] {
            if let items = r.value.sequence {
                if items.isEmpty || items.count > Manifest.maxReferences {
                    error("'references' takes 1 to \(Manifest.maxReferences) images, not \(items.count)", r.value.position)
                }
                let images = items.compactMap { image($0, field: "references") }
                f.references = Located(images, at: r.value.position)
            } else {
                error("'references' must be a list of 1 to \(Manifest.maxReferences) images (e.g. '[assets/lion.jpg]'), but this is \(r.value.kindDescription)", r.value.position)
            }
        }
        if let ff = map["first_frame"], let img = image(ff.value, field: "first_frame") {
            f.firstFrame = img
        }
        if let lf = map["last_frame"], let img = image(lf.value, field: "last_frame") {
            f.lastFrame = img
        }
        return f
    }

    /// A file path, an http(s) URL, or `{shot, variant?, take?, frame}`.
    mutating func image(_ node: YAMLNode, field: String) -> Located<ImageSpec>? {
        if let pairs = node.mapping {
            let map = keyed(pairs, allowed: Self.frameKeys, context: "a frame reference")
            guard let shotEntry = map["shot"], let shot = string(shotEntry.value, field: "shot") else {
                if map["shot"] == nil { error("a frame reference needs 'shot' (the shot whose clip gives the frame)", node.position) }
                return nil
            }
            var variant: Located<String>?
            if let v = map["variant"], let s = string(v.value, field: "variant") {
                variant = Located(s, at: v.value.position)
            }
            var take: Located<Int>?
            if let t = map["take"] {
                if let n = integer(t.value), n >= 1 {
                    take = Located(n, at: t.value.position)
                } else {
                    error("'take' must be a whole number from 1, not '\(display(t.value))'", t.value.position)
                    return nil
                }
            }
            guard let frameEntry = map["frame"] else {
                error("a frame reference needs 'frame: first' or 'frame: last'", node.position)
                return nil
            }
            guard let frameText = string(frameEntry.value, field: "frame"), let frame = FramePosition(rawValue: frameText) else {
                error("'frame' must be 'first' or 'last', not '\(display(frameEntry.value))'", frameEntry.value.position)
                return nil
            }
            let reference = FrameReference(
                shot: Located(shot, at: shotEntry.value.position), variant: variant, take: take, frame: frame, position: node.position)
            return Located(.frame(reference), at: node.position)
        }
        guard !node.isNull else {
            error("'\(field)' is empty; give a file path, an http(s) URL or {shot: ..., frame: first|last}", node.position)
            return nil
        }
        guard let text = string(node, field: field) else { return nil }
        if text.isBlank {
            error("'\(field)' is empty; give a file path, an http(s) URL or {shot: ..., frame: first|last}", node.position)
            return nil
        }
        if text.utf8.contains(UInt8(ascii: ":")), let colon = text.range(of: "://") {
            let scheme = text[..<colon.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else {
                error("unsupported URL scheme '\(scheme)' in '\(text)'; image URLs must be http or https", node.position)
                return nil
            }
            guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
                error("'\(text)' is not a valid URL", node.position)
                return nil
            }
            return Located(.url(text), at: node.position)
        }
        return Located(.path(text), at: node.position)
    }

    // MARK: - Scalars, typed by the receiving field

    /// A whole number from a plain or quoted scalar: `6` and `"6"` both give 6.
    func integer(_ node: YAMLNode) -> Int? {
        guard let s = node.scalar, !node.isNull else { return nil }
        if let n = Int(s) { return n }
        return Int(s.trimmingCharacters(in: .whitespaces))
    }

    /// Text from any scalar; lists and mappings are an error.
    mutating func string(_ node: YAMLNode, field: String) -> String? {
        guard let s = node.scalar else {
            error("'\(field)' must be text, but this is \(node.kindDescription)", node.position)
            return nil
        }
        return s
    }

    func display(_ node: YAMLNode) -> String {
        node.scalar ?? node.kindDescription
    }

    /// The mapping's entries by key; unknown keys are reported with a suggestion.
    /// With `allowExtensions`, keys starting with `x-` are accepted and ignored (a place for anchors).
    mutating func keyed(
        _ pairs: [YAMLNode.Pair], allowed: [String], context: String, allowExtensions: Bool = false
    ) -> KeyedMapping {
        var map = KeyedMapping()
        map.entries.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let key = pair.key.scalar else {
                error("keys must be plain names, but this key is \(pair.key.kindDescription)", pair.key.position)
                continue
            }
            if allowed.contains(key) {
                map.entries.append((key, pair))
            } else if allowExtensions && key.hasPrefix("x-") {
                continue
            } else {
                error("unknown key '\(key)' in \(context)\(Suggest.didYouMean(key, allowed)); allowed: \(allowed.joined(separator: ", "))\(allowExtensions ? ", and x-... for your own anchors" : "")", pair.key.position)
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

/// A mapping's known entries by key. Manifest mappings have a handful of keys: a linear search
/// beats hashing here (validate spends its time in mappings like these).
struct KeyedMapping {
    var entries: [(key: String, pair: YAMLNode.Pair)] = []

    subscript(key: String) -> (key: YAMLNode, value: YAMLNode)? {
        // Duplicate keys are rejected by the loader, so the first match is the only one.
        for entry in entries where entry.key == key { return (entry.pair.key, entry.pair.value) }
        return nil
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
