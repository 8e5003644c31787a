// MARK: - Shots and variants

extension ManifestDecoder {
    mutating func decodeShot(_ node: Node) -> Shot? {
        guard t.kind(node) == .mapping else {
            error("a shot must be a mapping with at least 'id' and 'prompt', but this is \(t.kindDescription(node))", t.position(node))
            return nil
        }
        let position = t.position(node)
        let map = keyed(node, own: ShotKey.self, jobFields: true, context: "a shot")
        guard let id = identifier(map[.id], owner: "shot", at: position) else { return nil }
        let fields = jobFields(map)
        let after = map[.after].map { decodeAfter($0) } ?? []
        var takes: Located<Int>?
        if let n = map[.takes] {
            if let count = integer(n), (1...Manifest.maxTakes).contains(count) {
                takes = Located(count, at: t.position(n))
            } else {
                error("'takes' must be a whole number from 1 to \(Manifest.maxTakes), not '\(display(n))'", t.position(n))
            }
        }
        var variants = map[.variants].map { decodeVariants($0, shot: id) } ?? []
        var matrix = map[.matrix].map { decodeMatrix($0) }
        if matrix != nil {
            // A repeated written id is already reported (decodeVariants); its copies are not crossed again.
            var seen = Set<String>()
            variants = variants.filter { seen.insert($0.id.value).inserted }
            matrix?.crossed = variants.map(\.id.value)
        }
        if let matrix { variants = expand(matrix, crossing: variants, shot: id) }
        return Shot(id: id, fields: fields, after: after, takes: takes, variants: variants, matrix: matrix, position: position)
    }

    /// `after: [a, b]` or `after: a`.
    private mutating func decodeAfter(_ node: Node) -> [Located<String>] {
        switch t.kind(node) {
        case .sequence:
            var after: [Located<String>] = []
            for i in 0..<t.count(node) {
                let item = t.item(node, i)
                if let s = string(item, field: "after") { after.append(Located(s, at: t.position(item))) }
            }
            return after
        case .scalar where !t.isNull(node):
            return [Located(t.scalar(node) ?? "", at: t.position(node))]
        default:
            error("'after' must be a list of shot ids", t.position(node))
            return []
        }
    }

    private mutating func decodeVariants(_ list: Node, shot id: Located<String>) -> [Variant] {
        guard t.kind(list) == .sequence else {
            error("'variants' must be a list of variants (each '- id: ...')", t.position(list))
            return []
        }
        let count = t.count(list)
        if count == 0 { error("'variants' is empty; remove it or list at least one variant", t.position(list)) }
        var variants: [Variant] = []
        variants.reserveCapacity(count)
        for i in 0..<count {
            let item = t.item(list, i)
            guard t.kind(item) == .mapping else {
                error("a variant must be a mapping with an 'id' (and the job fields it overrides), but this is \(t.kindDescription(item))", t.position(item))
                continue
            }
            let itemPosition = t.position(item)
            let map = keyed(item, own: VariantKey.self, jobFields: true, context: "a variant")
            guard let vid = identifier(map[.id], owner: "variant", at: itemPosition) else { continue }
            if let first = variants.first(where: { $0.id.value == vid.value }) {
                error("duplicate variant id '\(vid.value)' in shot '\(id.value)'", vid.position,
                      notes: [.note("variant '\(vid.value)' is first defined here", at: location(first.id.position))])
            }
            variants.append(Variant(id: vid, fields: jobFields(map), position: itemPosition))
        }
        return variants
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
}
