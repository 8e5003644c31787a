internal import CYAML

/// Loads one YAML document into a `YAMLNode` tree: libyaml parses on the calling thread, and each
/// event goes to `YAMLTableBuilder` as soon as libyaml produces it, so the first error (libyaml's
/// or the builder's: a duplicate key, an undefined alias, nesting too deep) stops the parse there.
///
/// This file and the parallel parse in `Accelerated/` are the only ones that import libyaml
/// (`CYAML`). Reading the file and the checks before parsing are in `YAMLLoader+Input.swift`.
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

    /// Loads YAML from bytes; `file` names it in positions and messages.
    public func load(bytes: [UInt8], file: String) throws(YAMLError) -> YAMLDocument {
        try Self.checkInput(bytes, file: file)
        var builder = YAMLTableBuilder(file: file, loader: self, inputBytes: bytes.count)
        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) in
            try Self.parse(bytes: bytes, file: file) { parser in
                // libyaml keeps a pointer to the input for the parser's life: this closure is that life.
                yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            } each: { (event) throws(YAMLError) in
                try builder.handle(event)
            }
        }
        return builder.document
    }

    /// Runs libyaml on this thread over the input `setInput` gives it, handing each event to `body`
    /// as soon as libyaml produces it (the event's text is libyaml's, valid only during the call).
    /// Stops at libyaml's first error, or at the first error `body` throws: nothing after it is
    /// parsed. `bytes` serve error positions only.
    @inline(__always)
    static func parse(
        bytes: [UInt8], file: String, setInput: (UnsafeMutablePointer<yaml_parser_t>) -> Void,
        each body: (YAMLEvent) throws(YAMLError) -> Void
    ) throws(YAMLError) {
        // libyaml's parser keeps a pointer to itself: it needs a stable address.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError("libyaml could not initialise a parser (out of memory)", at: nil)
        }
        defer { yaml_parser_delete(parser) }
        setInput(parser)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                throw parserError(parser.pointee, bytes: bytes, file: file)
            }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return }
            if let converted = YAMLEvent(event) { try body(converted) }
        }
    }

    // MARK: - Errors from libyaml

    static func parserError(_ parser: yaml_parser_t, bytes: [UInt8], file: String) -> YAMLError {
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
            return syntaxError(parser, problem: problem, bytes: bytes, file: file)
        }
    }

    private static func syntaxError(_ parser: yaml_parser_t, problem: String, bytes: [UInt8], file: String) -> YAMLError {
        let mark = parser.problem_mark
        let location = location(of: mark, in: bytes, file: file)
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
        let text = String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...], as: UTF8.self)
        if text.unicodeScalars.dropFirst(Int(mark.index)).first == "\t" {
            message += "; tabs cannot indent YAML, use spaces"
        }
        return YAMLError(message, at: location, notes: notes)
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
}

extension YAMLEvent {
    /// The event read out of libyaml's structure (its text, anchor and tag still point into
    /// libyaml's buffers); nil for the events the builder does not need (stream start, document end).
    init?(_ event: yaml_event_t) {
        // Marks are 0-based.
        let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
        let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            self.init(kind: .documentStart, line: line, column: column)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            self.init(kind: .scalar, style: Self.style(s.style), line: line, column: column, anchorText: s.anchor, tagText: s.tag)
            if s.length > 0, let value = s.value { text = UnsafeBufferPointer(start: value, count: Int(s.length)) }
        case YAML_ALIAS_EVENT:
            self.init(kind: .alias, line: line, column: column, anchorText: event.data.alias.anchor)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            self.init(kind: .sequenceStart, line: line, column: column, anchorText: s.anchor, tagText: s.tag)
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            self.init(kind: .mappingStart, line: line, column: column, anchorText: m.anchor, tagText: m.tag)
        case YAML_SEQUENCE_END_EVENT:
            self.init(kind: .sequenceEnd, line: line, column: column)
        case YAML_MAPPING_END_EVENT:
            self.init(kind: .mappingEnd, line: line, column: column)
        default:
            return nil
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
