/// A YAML node as the manifest layer sees it: the project's own `Sendable` tree, every node with its
/// source position. Scalars stay strings; the field that receives a scalar gives it a type.
public struct YAMLNode: Sendable {
    public enum ScalarStyle: Sendable, Hashable {
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

    public var content: Content
    public var position: SourcePosition
    /// An explicit tag (e.g. `!!str`), if the source had one.
    public var tag: String?

    public init(_ content: Content, at position: SourcePosition, tag: String? = nil) {
        self.content = content
        self.position = position
        self.tag = tag
    }

    public var scalar: String? {
        if case .scalar(let s, _) = content { return s }
        return nil
    }

    public var scalarStyle: ScalarStyle? {
        if case .scalar(_, let style) = content { return style }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// A plain `null`, `~`, `Null`, `NULL` or empty plain scalar.
    public var isNull: Bool {
        guard case .scalar(let s, .plain) = content, tag == nil else { return false }
        return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    /// What kind of node this is, for messages: "a mapping", "a list", "a string".
    public var kindDescription: String {
        switch content {
        case .scalar: isNull ? "null" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// A loaded YAML file: its root node (nil when the file holds no document).
public struct YAMLDocument: Sendable {
    public var file: String
    public var root: YAMLNode?
}
