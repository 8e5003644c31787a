/// One libyaml event, as the loader hands it to `YAMLTableBuilder` (converted in `YAMLLoader.swift`,
/// the only file here that sees libyaml's own types). It points into libyaml's buffers, valid only
/// while the builder handles the event; holding no Swift objects, it costs nothing to pass around.
struct YAMLEvent {
    enum Kind: UInt8 {
        case documentStart
        case scalar
        case alias
        case sequenceStart
        case mappingStart
        case sequenceEnd
        case mappingEnd
    }

    var kind: Kind
    var style: YAMLNode.ScalarStyle = .plain
    /// 1-based.
    var line: Int32
    var column: Int32
    /// A scalar's text.
    var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// A node's anchor, or the anchor an alias names, and the node's tag: NUL-terminated.
    var anchorText: UnsafePointer<UInt8>?
    var tagText: UnsafePointer<UInt8>?

    var anchor: String? { anchorText.map { String(cString: $0) } }
    var tag: String? { tagText.map { String(cString: $0) } }
    var position: SourcePosition { SourcePosition(line: Int(line), column: Int(column)) }
}

/// Builds a `YAMLNodeTable` from libyaml's events, one event at a time, and adds what a manifest
/// needs and libyaml leaves out: duplicate keys (pointing at both places), undefined aliases, merge
/// keys (`<<`), a cap on alias expansion (an alias bomb fails fast, in bounded memory), a nesting
/// cap (checked as each list or mapping opens), and one document per file.
struct YAMLTableBuilder {
    let file: String
    let maxAliasExpansion: Int
    let maxDepth: Int
    private(set) var table = YAMLNodeTable()
    /// Children of the open containers, innermost last; moved to `table.children` when one closes.
    private var pending: [Int32] = []
    /// The open lists and mappings, outermost first.
    private var stack: [Frame] = []
    /// Anchors defined so far: the node, and its size counting through aliases.
    private var anchors: [String: (id: Int32, weight: Int)] = [:]
    /// Nodes that aliases expanded to so far.
    private(set) var expanded = 0
    private var documents = 0
    private(set) var root: Int32 = -1

    private struct Frame {
        var id: Int32
        var isMapping: Bool
        /// Where this container's children start in `pending`.
        var pendingStart: Int
        var anchor: String?
        /// Nodes in the subtree, counting through aliases.
        var weight = 1
    }

    init(file: String, loader: YAMLLoader, inputBytes: Int) {
        self.file = file
        self.maxAliasExpansion = loader.maxAliasExpansion
        self.maxDepth = loader.maxDepth
        // Room reserved and never touched costs address space only.
        table.records.reserveCapacity(inputBytes / Self.bytesPerNodeAtLeast + 16)
        table.children.reserveCapacity(inputBytes / Self.bytesPerNodeAtLeast + 16)
        table.bytes.reserveCapacity(inputBytes + 16)  // scalar text is at most about the input's size
        pending.reserveCapacity(Self.maxDepthReserved)
    }

    /// A manifest takes about 14 bytes of YAML per node; room is reserved for one node per 8.
    private static let bytesPerNodeAtLeast = 8
    /// Open containers' children held at once, reserved up front (the array grows past it).
    private static let maxDepthReserved = 256

    /// The document built so far (the whole document once the last event is handled).
    var document: YAMLDocument {
        YAMLDocument(file: file, root: root < 0 ? nil : YAMLNode(tree: YAMLTree(table), id: root))
    }

    // MARK: - What a caller may look at between events

    /// How many lists and mappings are open.
    var depth: Int { stack.count }
    /// The innermost open list or mapping.
    var innermostOpenNode: Int32? { stack.last?.id }
    /// The id the next node will get.
    var nextNodeID: Int32 { Int32(table.records.count) }
    /// The node the anchor currently names.
    func anchorNode(named name: String) -> Int32? { anchors[name]?.id }

    // MARK: - Events

    mutating func handle(_ event: YAMLEvent) throws(YAMLError) {
        switch event.kind {
        case .documentStart:
            documents += 1
            if documents > 1 {
                throw YAMLError("a manifest is a single YAML document, but a second document starts here", at: location(event.position))
            }
        case .scalar:
            let start = Int32(table.bytes.count)
            table.bytes.append(contentsOf: event.text)
            let id = append(.scalar, event, start: start, count: Int32(event.text.count))
            try complete(id, weight: 1, anchor: event.anchor)
        case .alias:
            try addAlias(event)
        case .sequenceStart, .mappingStart:
            try open(event)
        case .sequenceEnd, .mappingEnd:
            try close()
        }
    }

    private mutating func addAlias(_ event: YAMLEvent) throws(YAMLError) {
        let name = event.anchor ?? ""
        guard let anchor = anchors[name] else {
            let shown = DiagnosticText.excerpt(name)
            throw YAMLError("alias *\(shown) refers to no anchor &\(shown) defined before it", at: location(event.position))
        }
        expanded += anchor.weight
        if expanded > maxAliasExpansion {
            throw YAMLError(
                "aliases expand to more than \(maxAliasExpansion) nodes; refusing to expand further (an alias bomb?)",
                at: location(event.position))
        }
        var alias = event
        alias.tagText = nil
        let id = append(.alias, alias, start: anchor.id, count: 0)
        try complete(id, weight: anchor.weight, anchor: nil)
    }

    /// A list or mapping opens; nesting deeper than `maxDepth` is an error at once.
    private mutating func open(_ event: YAMLEvent) throws(YAMLError) {
        if stack.count >= maxDepth {
            throw YAMLError("lists and mappings nest deeper than \(maxDepth) levels", at: location(event.position))
        }
        let isMapping = event.kind == .mappingStart
        let id = append(isMapping ? .mapping : .sequence, event, start: 0, count: 0)
        stack.append(Frame(id: id, isMapping: isMapping, pendingStart: pending.count, anchor: event.anchor))
    }

    /// The innermost list or mapping closes: its children move to the table.
    private mutating func close() throws(YAMLError) {
        let frame = stack.removeLast()
        let start = Int32(table.children.count)
        if frame.isMapping {
            try closeMapping(from: frame.pendingStart)
        } else {
            table.children.append(contentsOf: pending[frame.pendingStart...])
        }
        pending.removeSubrange(frame.pendingStart...)
        table.records[Int(frame.id)].start = start
        table.records[Int(frame.id)].count = Int32(table.children.count) - start
        try complete(frame.id, weight: frame.weight, anchor: frame.anchor)
    }

    private mutating func append(_ kind: YAMLNodeTable.Record.Kind, _ event: YAMLEvent, start: Int32, count: Int32) -> Int32 {
        var tag: Int32 = -1
        if let name = event.tag {
            tag = Int32(table.tags.count)
            table.tags.append(name)
        }
        table.records.append(
            .init(kind: kind, style: event.style, line: event.line, column: event.column, start: start, count: count, tag: tag))
        return Int32(table.records.count - 1)
    }

    /// Attaches a finished node to its parent (or makes it the root). An anchor is defined once its
    /// node is complete, so an alias inside the node cannot name it.
    private mutating func complete(_ id: Int32, weight: Int, anchor: String?) throws(YAMLError) {
        if let anchor { anchors[anchor] = (id, weight) }
        guard !stack.isEmpty else {
            root = id
            return
        }
        stack[stack.count - 1].weight += weight
        pending.append(id)
    }

    // MARK: - Mappings: duplicate keys and merge keys

    /// Moves a closed mapping's pairs (`pending[start...]`: key, value, key, value…) to
    /// `table.children`, rejecting duplicate keys (libyaml accepts them silently) and applying merge
    /// keys: explicit keys win; among merged mappings, the first one listed wins.
    private mutating func closeMapping(from start: Int) throws(YAMLError) {
        if try checkDuplicates(from: start) {
            table.children.append(contentsOf: try mergedPairs(from: start))
        } else {
            table.children.append(contentsOf: pending[start...])
        }
    }

    /// Throws at the first key of `pending[start...]`'s pairs that repeats an earlier one; returns
    /// whether there is a merge key. Small mappings (nearly all of a manifest's) are checked
    /// pairwise, large ones with a set of their keys' texts.
    private func checkDuplicates(from start: Int) throws(YAMLError) -> Bool {
        var hasMerge = false
        var seen: [String: Int32]? = (pending.count - start) / 2 > Self.pairwiseLimit ? [:] : nil
        for i in stride(from: start, to: pending.count, by: 2) {
            let key = pending[i]
            if isMergeKey(key) {
                hasMerge = true
                continue
            }
            guard table.kind(key) == .scalar else { continue }
            if seen != nil {
                let text = table.scalar(key) ?? ""
                if let first = seen![text] { throw duplicate(key, first: first) }
                seen![text] = key
                continue
            }
            for j in stride(from: start, to: i, by: 2) where table.sameScalar(pending[j], key) && !isMergeKey(pending[j]) {
                throw duplicate(key, first: pending[j])
            }
        }
        return hasMerge
    }

    /// Mappings with more keys than this compare keys through a set of their texts.
    private static let pairwiseLimit = 16

    /// The pairs of a mapping with merge keys, the merged pairs in place of each merge key.
    private func mergedPairs(from start: Int) throws(YAMLError) -> [Int32] {
        var present = KeySet()
        for i in stride(from: start, to: pending.count, by: 2) where !isMergeKey(pending[i]) && table.kind(pending[i]) == .scalar {
            _ = present.insert(pending[i], in: table)
        }
        var result: [Int32] = []
        result.reserveCapacity(pending.count - start)
        for i in stride(from: start, to: pending.count, by: 2) {
            let key = pending[i], value = pending[i + 1]
            guard isMergeKey(key) else {
                result.append(key)
                result.append(value)
                continue
            }
            for source in try mergeSources(value) {
                for j in 0..<table.count(source) {
                    let merged = table.pair(source, j)
                    if table.kind(merged.key) == .scalar, present.insert(merged.key, in: table) {
                        result.append(merged.key)
                        result.append(merged.value)
                    }
                }
            }
        }
        return result
    }

    /// The mappings a merge key's value names: one mapping, or a list of mappings.
    private func mergeSources(_ value: Int32) throws(YAMLError) -> [Int32] {
        switch table.kind(value) {
        case .mapping:
            return [value]
        case .sequence where (0..<table.count(value)).allSatisfy({ table.kind(table.item(value, $0)) == .mapping }):
            return (0..<table.count(value)).map { table.item(value, $0) }
        default:
            throw YAMLError(
                "the merge key '<<' takes a mapping or a list of mappings (e.g. '<<: *defaults')", at: location(table.position(value)))
        }
    }

    private func isMergeKey(_ id: Int32) -> Bool {
        let r = table.records[Int(table.resolved(id))]
        guard r.kind == .scalar, r.style == .plain, table.scalar(id, equals: "<<") else { return false }
        return r.tag < 0 || table.tags[Int(r.tag)] == "tag:yaml.org,2002:merge"
    }

    private func duplicate(_ key: Int32, first: Int32) -> YAMLError {
        let text = DiagnosticText.excerpt(table.scalar(key) ?? "")
        return YAMLError(
            "duplicate key '\(text)' in this mapping",
            at: location(table.position(key)),
            notes: [.note("'\(text)' is first defined here", at: location(table.position(first)))])
    }

    private func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: position)
    }
}

/// Scalar keys already in a merged mapping: compared pairwise while few, through a set of their
/// texts beyond `limit`.
private struct KeySet {
    private var keys: [Int32] = []
    private var texts: Set<String>?
    private let limit = 16

    /// Adds the key unless one with the same text is present; true when added.
    mutating func insert(_ key: Int32, in table: YAMLNodeTable) -> Bool {
        if texts != nil { return texts!.insert(table.scalar(key) ?? "").inserted }
        if keys.contains(where: { table.sameScalar($0, key) }) { return false }
        keys.append(key)
        if keys.count > limit { texts = Set(keys.compactMap { table.scalar($0) }) }
        return true
    }
}
