internal import CYAML
import Foundation

/// Loads one YAML document into a `YAMLNode` tree by driving libyaml's event parser.
///
/// This is the only file that touches libyaml. On top of libyaml it adds what a manifest needs and
/// libyaml leaves out: duplicate-key errors pointing at both places, undefined aliases, merge keys
/// (`<<`), a cap on alias expansion (so an alias bomb fails fast in bounded memory), a nesting cap,
/// one-document files, and errors for files that are missing, directories, empty or not UTF-8.
public struct YAMLLoader: Sendable {
    /// Most nodes that aliases may expand to, counted through every alias (billion laughs guard).
    public var maxAliasExpansion: Int
    /// Deepest nesting of lists and mappings.
    public var maxDepth: Int

    public init(maxAliasExpansion: Int = 1_000_000, maxDepth: Int = 256) {
        self.maxAliasExpansion = maxAliasExpansion
        self.maxDepth = maxDepth
    }

    /// Reads and loads a file. Returns the document and the file's text (for showing source lines).
    public func load(file path: String) throws(YAMLError) -> (document: YAMLDocument, text: String) {
        let bytes = try Self.read(file: path)
        let document = try load(bytes: bytes, file: path)
        return (document, String(decoding: bytes, as: UTF8.self))
    }

    /// The bytes of a file, or an error that says why it cannot be read.
    public static func read(file path: String) throws(YAMLError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw YAMLError("no such file: \(path)", at: nil)
        }
        if isDirectory.boolValue {
            throw YAMLError("\(path) is a directory, not a YAML file", at: nil)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw YAMLError("cannot read \(path): \(FileErrorText.reason(error))", at: nil)
        }
        return [UInt8](data)
    }

    /// Loads YAML from bytes; `file` names it in positions and messages.
    public func load(bytes: [UInt8], file: String) throws(YAMLError) -> YAMLDocument {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw YAMLError(
                "the file is UTF-16 encoded; save it as UTF-8",
                at: SourceLocation(file: file, line: 1, column: 1))
        }
        if bytes.contains(0) {
            let offset = bytes.firstIndex(of: 0)!
            throw YAMLError(
                "the file contains a NUL byte; is it a binary file?",
                at: Self.location(ofOffset: offset, in: bytes, file: file))
        }
        var builder = Builder(file: file, maxAliasExpansion: maxAliasExpansion, maxDepth: maxDepth)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError("libyaml could not initialise a parser (out of memory)", at: nil)
        }
        defer { yaml_parser_delete(parser) }

        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLDocument in
            // libyaml keeps a pointer to the input for the parser's life: this closure is that life.
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw Self.parserError(parser.pointee, bytes: bytes, file: file)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT {
                    break
                }
                try builder.handle(event)
            }
            return YAMLDocument(file: file, root: builder.root)
        }
    }

    // MARK: - Errors from libyaml

    private static func parserError(_ parser: yaml_parser_t, bytes: [UInt8], file: String) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_READER_ERROR:
            let location = location(ofOffset: Int(parser.problem_offset), in: bytes, file: file)
            if problem.contains("invalid") || problem.contains("incomplete") {
                return YAMLError("the file is not valid UTF-8 (\(problem)); save it as UTF-8", at: location)
            }
            return YAMLError("cannot read the YAML text: \(problem)", at: location)
        case YAML_MEMORY_ERROR:
            return YAMLError("libyaml ran out of memory", at: nil)
        default:
            let mark = parser.problem_mark
            let location = Self.location(of: mark, in: bytes, file: file)
            var message = "YAML syntax error: \(problem)"
            var notes: [Diagnostic] = []
            if let context = parser.context.map({ String(cString: $0) }) {
                let contextLocation = Self.location(of: parser.context_mark, in: bytes, file: file)
                if contextLocation != location {
                    notes.append(.note(context, at: contextLocation))
                } else {
                    message += " (\(context))"
                }
            }
            if String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...], as: UTF8.self).unicodeScalars.dropFirst(Int(mark.index)).first == "\t" {
                message += "; tabs cannot indent YAML, use spaces"
            }
            return YAMLError(message, at: location, notes: notes)
        }
    }

    /// A libyaml mark as a position. At the end of a file without a final line break, libyaml puts
    /// its mark on a line that does not exist; point at the end of the last line instead.
    private static func location(of mark: yaml_mark_t, in bytes: [UInt8], file: String) -> SourceLocation {
        let lines = bytes.count { $0 == 0x0A } + 1
        if Int(mark.line) + 1 > lines {
            return location(ofOffset: bytes.count, in: bytes, file: file)
        }
        return SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Line and column (in characters) of a byte offset.
    static func location(ofOffset offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        let offset = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        // Count characters (UTF-8 lead bytes) between the line start and the offset.
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 {
            column += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

// MARK: - Builder: libyaml events → YAMLNode

private struct Anchor {
    var node: YAMLNode
    /// Nodes in the anchored subtree, counting through aliases.
    var weight: Int
}

private struct Frame {
    enum Kind {
        case sequence([YAMLNode])
        case mapping([YAMLNode.Pair], pendingKey: YAMLNode?)
    }
    var kind: Kind
    var position: SourcePosition
    var tag: String?
    var anchor: String?
    var weight: Int = 1
}

private struct Builder {
    let file: String
    let maxAliasExpansion: Int
    let maxDepth: Int
    var stack: [Frame] = []
    var anchors: [String: Anchor] = [:]
    var expanded = 0
    var documents = 0
    var root: YAMLNode?

    init(file: String, maxAliasExpansion: Int, maxDepth: Int) {
        self.file = file
        self.maxAliasExpansion = maxAliasExpansion
        self.maxDepth = maxDepth
    }

    func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: position)
    }

    mutating func handle(_ event: yaml_event_t) throws(YAMLError) {
        let position = SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT, YAML_NO_EVENT:
            return
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    "a manifest is a single YAML document, but a second document starts here",
                    at: location(position))
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
            let style: YAMLNode.ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let node = YAMLNode(.scalar(value, style), at: position, tag: Self.string(s.tag))
            try complete(node, weight: 1, anchor: Self.string(s.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let anchor = anchors[name] else {
                throw YAMLError(
                    "alias *\(name) refers to no anchor &\(name) defined before it",
                    at: location(position))
            }
            expanded += anchor.weight
            if expanded > maxAliasExpansion {
                throw YAMLError(
                    "aliases expand to more than \(maxAliasExpansion) nodes; refusing to expand further "
                        + "(an alias bomb?)",
                    at: location(position))
            }
            var node = anchor.node
            node.position = position
            try complete(node, weight: anchor.weight, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let e = event.data.sequence_start
            try push(Frame(kind: .sequence([]), position: position, tag: Self.string(e.tag), anchor: Self.string(e.anchor)))
        case YAML_MAPPING_START_EVENT:
            let e = event.data.mapping_start
            try push(Frame(kind: .mapping([], pendingKey: nil), position: position, tag: Self.string(e.tag), anchor: Self.string(e.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let node: YAMLNode
            switch frame.kind {
            case .sequence(let items):
                node = YAMLNode(.sequence(items), at: frame.position, tag: frame.tag)
            case .mapping(let pairs, _):
                node = YAMLNode(.mapping(try resolveMapping(pairs)), at: frame.position, tag: frame.tag)
            }
            try complete(node, weight: frame.weight, anchor: frame.anchor)
        default:
            return
        }
    }

    mutating func push(_ frame: Frame) throws(YAMLError) {
        if stack.count >= maxDepth {
            throw YAMLError("lists and mappings nest deeper than \(maxDepth) levels", at: location(frame.position))
        }
        stack.append(frame)
    }

    /// Attaches a finished node to its parent (or makes it the root).
    mutating func complete(_ node: YAMLNode, weight: Int, anchor: String?) throws(YAMLError) {
        if let anchor {
            anchors[anchor] = Anchor(node: node, weight: weight)
        }
        guard !stack.isEmpty else {
            root = node
            return
        }
        stack[stack.count - 1].weight += weight
        switch stack[stack.count - 1].kind {
        case .sequence(var items):
            stack[stack.count - 1].kind = .sequence([])  // keep the array uniquely referenced
            items.append(node)
            stack[stack.count - 1].kind = .sequence(items)
        case .mapping(var pairs, let pendingKey):
            stack[stack.count - 1].kind = .sequence([])
            if let key = pendingKey {
                pairs.append(YAMLNode.Pair(key: key, value: node))
                stack[stack.count - 1].kind = .mapping(pairs, pendingKey: nil)
            } else {
                stack[stack.count - 1].kind = .mapping(pairs, pendingKey: node)
            }
        }
    }

    /// Applies merge keys and rejects duplicate keys (libyaml accepts them silently).
    func resolveMapping(_ pairs: [YAMLNode.Pair]) throws(YAMLError) -> [YAMLNode.Pair] {
        var hasMerge = false
        // Small mappings (nearly all of a manifest's) are checked pairwise; large ones with a set.
        if pairs.count <= 16 {
            for (i, pair) in pairs.enumerated() {
                if Self.isMergeKey(pair.key) {
                    hasMerge = true
                    continue
                }
                guard let key = pair.key.scalar else { continue }
                for earlier in pairs[..<i] where earlier.key.scalar == key && !Self.isMergeKey(earlier.key) {
                    throw duplicate(key, at: pair.key.position, first: earlier.key.position)
                }
            }
        } else {
            var seen: [String: SourcePosition] = [:]
            seen.reserveCapacity(pairs.count)
            for pair in pairs {
                if Self.isMergeKey(pair.key) {
                    hasMerge = true
                    continue
                }
                guard let key = pair.key.scalar else { continue }
                if let first = seen[key] { throw duplicate(key, at: pair.key.position, first: first) }
                seen[key] = pair.key.position
            }
        }
        guard hasMerge else { return pairs }
        var seen: [String: SourcePosition] = [:]
        for pair in pairs where !Self.isMergeKey(pair.key) {
            if let key = pair.key.scalar { seen[key] = pair.key.position }
        }

        var result: [YAMLNode.Pair] = []
        var present = Set(seen.keys)
        for pair in pairs {
            guard Self.isMergeKey(pair.key) else {
                result.append(pair)
                continue
            }
            let sources: [YAMLNode]
            switch pair.value.content {
            case .mapping: sources = [pair.value]
            case .sequence(let items) where items.allSatisfy({ $0.mapping != nil }): sources = items
            default:
                throw YAMLError(
                    "the merge key '<<' takes a mapping or a list of mappings (e.g. '<<: *defaults')",
                    at: location(pair.value.position))
            }
            // Explicit keys win; among merged mappings, the first one listed wins.
            for source in sources {
                for merged in source.mapping ?? [] {
                    guard let key = merged.key.scalar else { continue }
                    if present.insert(key).inserted {
                        result.append(merged)
                    }
                }
            }
        }
        return result
    }

    func duplicate(_ key: String, at position: SourcePosition, first: SourcePosition) -> YAMLError {
        YAMLError(
            "duplicate key '\(key)' in this mapping",
            at: location(position),
            notes: [.note("'\(key)' is first defined here", at: location(first))])
    }

    static func isMergeKey(_ node: YAMLNode) -> Bool {
        guard case .scalar("<<", .plain) = node.content else { return false }
        return node.tag == nil || node.tag == "tag:yaml.org,2002:merge"
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
