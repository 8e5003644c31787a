#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded YAML document's nodes, stored flat: one table of fixed-size node records, one list of
/// child ids, and one byte buffer holding every scalar's text.
///
/// A manifest of 10,000 shots has about 190,000 nodes. Storing them as a tree of Swift values
/// (a `String` and an array per node) made building and reading the tree several times slower than
/// libyaml's own parse; this layout allocates a handful of buffers for the whole document.
/// Immutable once built, so it is shared freely.
public final class YAMLTree: Sendable {
    let table: YAMLNodeTable

    init(_ table: YAMLNodeTable) {
        self.table = table
    }
}

/// The arrays behind a `YAMLTree`, with readers by node id. The loader builds one; the decoder reads
/// it directly (ids, not handles: no reference counting per node).
struct YAMLNodeTable: Sendable {
    /// What a node record holds; `start` and `count` mean different things per kind.
    struct Record: Sendable {
        enum Kind: UInt8 {
            /// `start..<start+count` in `bytes`.
            case scalar
            /// `count` child ids from `children[start]`.
            case sequence
            /// `count` ids from `children[start]`: key, value, key, value… (merge keys applied).
            case mapping
            /// `start` is the id of the anchored node.
            case alias
        }

        var kind: Kind
        var style: YAMLNode.ScalarStyle
        var line: Int32
        var column: Int32
        var start: Int32
        var count: Int32
        /// Index into `tags`, or -1.
        var tag: Int32
    }

    var records: [Record] = []
    var children: [Int32] = []
    var bytes: [UInt8] = []
    var tags: [String] = []

    // MARK: - Reading by id (the decoder's fast path: no handles, no arrays)

    /// The node an alias stands for; any other node is itself.
    @inline(__always)
    func resolved(_ id: Int32) -> Int32 {
        let r = records[Int(id)]
        return r.kind == .alias ? r.start : id
    }

    @inline(__always)
    func kind(_ id: Int32) -> Record.Kind { records[Int(resolved(id))].kind }

    /// Where the node is written (for an alias: where the alias is written).
    @inline(__always)
    func position(_ id: Int32) -> SourcePosition {
        let r = records[Int(id)]
        return SourcePosition(line: Int(r.line), column: Int(r.column))
    }

    func tag(_ id: Int32) -> String? {
        let t = records[Int(resolved(id))].tag
        return t < 0 ? nil : tags[Int(t)]
    }

    /// Number of items (sequence) or pairs (mapping); 0 for a scalar.
    @inline(__always)
    func count(_ id: Int32) -> Int {
        let r = records[Int(resolved(id))]
        switch r.kind {
        case .sequence: return Int(r.count)
        case .mapping: return Int(r.count) / 2
        default: return 0
        }
    }

    /// Item `i` of a sequence.
    @inline(__always)
    func item(_ id: Int32, _ i: Int) -> Int32 {
        children[Int(records[Int(resolved(id))].start) + i]
    }

    /// Key and value of pair `i` of a mapping.
    @inline(__always)
    func pair(_ id: Int32, _ i: Int) -> (key: Int32, value: Int32) {
        let base = Int(records[Int(resolved(id))].start) + 2 * i
        return (children[base], children[base + 1])
    }

    /// The scalar's text, or nil for a list or mapping.
    func scalar(_ id: Int32) -> String? {
        let r = records[Int(resolved(id))]
        guard r.kind == .scalar else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[Int(r.start)..<Int(r.start + r.count)]), as: UTF8.self)
        }
    }

    func style(_ id: Int32) -> YAMLNode.ScalarStyle? {
        let r = records[Int(resolved(id))]
        return r.kind == .scalar ? r.style : nil
    }

    /// Whether the node is a scalar whose text is exactly `text` (no allocation).
    @inline(__always)
    func scalar(_ id: Int32, equals text: StaticString) -> Bool {
        let r = records[Int(resolved(id))]
        guard r.kind == .scalar, Int(r.count) == text.utf8CodeUnitCount else { return false }
        if r.count == 0 { return true }
        return bytes.withUnsafeBufferPointer { buffer in
            memcmp(buffer.baseAddress! + Int(r.start), text.utf8Start, Int(r.count)) == 0
        }
    }

    /// Whether two scalar nodes hold the same text.
    func sameScalar(_ a: Int32, _ b: Int32) -> Bool {
        let ra = records[Int(resolved(a))], rb = records[Int(resolved(b))]
        guard ra.kind == .scalar, rb.kind == .scalar, ra.count == rb.count else { return false }
        if ra.count == 0 { return true }
        return bytes.withUnsafeBufferPointer { buffer in
            memcmp(buffer.baseAddress! + Int(ra.start), buffer.baseAddress! + Int(rb.start), Int(ra.count)) == 0
        }
    }

    /// The scalar's bytes, for byte-level checks without making a `String`.
    @inline(__always)
    func withScalarBytes<R>(_ id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let r = records[Int(resolved(id))]
        guard r.kind == .scalar else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[Int(r.start)..<Int(r.start + r.count)]))
        }
    }

    /// A plain `null`, `~`, `Null`, `NULL` or empty plain scalar, without a tag.
    func isNull(_ id: Int32) -> Bool {
        let rid = resolved(id)
        let r = records[Int(rid)]
        guard r.kind == .scalar, r.style == .plain, r.tag < 0 else { return false }
        return r.count == 0 || scalar(rid, equals: "~") || scalar(rid, equals: "null") || scalar(rid, equals: "Null")
            || scalar(rid, equals: "NULL")
    }

    /// "a mapping", "a list", "a scalar" or "null", for messages.
    func kindDescription(_ id: Int32) -> String {
        switch kind(id) {
        case .scalar, .alias: isNull(id) ? "null" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// A YAML node as the manifest layer sees it: a handle into a loaded `YAMLTree`, with its source
/// position. Scalars stay strings; the field that receives a scalar gives it a type.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: UInt8, Sendable, Hashable {
        case plain
        case singleQuoted
        case doubleQuoted
        case literal
        case folded
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        /// In source order; merge keys (`<<`) already applied.
        case mapping([Pair])
    }

    let owner: YAMLTree
    let id: Int32

    init(tree: YAMLTree, id: Int32) {
        self.owner = tree
        self.id = id
    }

    private var tree: YAMLNodeTable { owner.table }

    public var content: Content {
        switch tree.kind(id) {
        case .sequence: .sequence(sequence ?? [])
        case .mapping: .mapping(mapping ?? [])
        case .scalar, .alias: .scalar(scalar ?? "", scalarStyle ?? .plain)
        }
    }

    public var position: SourcePosition { tree.position(id) }

    /// An explicit tag (e.g. `tag:yaml.org,2002:str` for `!!str`), if the source had one.
    public var tag: String? { tree.tag(id) }

    public var scalar: String? { tree.scalar(id) }

    public var scalarStyle: ScalarStyle? { tree.style(id) }

    public var sequence: [YAMLNode]? {
        guard tree.kind(id) == .sequence else { return nil }
        return (0..<tree.count(id)).map { YAMLNode(tree: owner, id: tree.item(id, $0)) }
    }

    public var mapping: [Pair]? {
        guard tree.kind(id) == .mapping else { return nil }
        return (0..<tree.count(id)).map {
            let (k, v) = tree.pair(id, $0)
            return Pair(key: YAMLNode(tree: owner, id: k), value: YAMLNode(tree: owner, id: v))
        }
    }

    /// A plain `null`, `~`, `Null`, `NULL` or empty plain scalar.
    public var isNull: Bool { tree.isNull(id) }

    /// What kind of node this is, for messages: "a mapping", "a list", "a string".
    public var kindDescription: String { tree.kindDescription(id) }
}

/// A loaded YAML file: its root node (nil when the file holds no document).
public struct YAMLDocument: Sendable {
    public var file: String
    public var root: YAMLNode?
}
