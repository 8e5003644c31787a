internal import CYAML
import Foundation
import VeoSupport

#if canImport(Glibc)
import Glibc
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
#elseif canImport(Musl)
import Musl
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Musl.read(fd, buffer, count) }
#elseif canImport(Darwin)
import Darwin
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
#endif

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

    /// Largest file accepted (node ids and text offsets are 32-bit).
    static let maxFileBytes = 512 << 20

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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw YAMLError("no such file: \(path)", at: nil) }
            throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: code))", at: nil)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: errno))", at: nil)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw YAMLError("\(path) is a directory, not a YAML file", at: nil)
        }
        // Read to the end whatever the reported size (a pipe or /proc file reports 0).
        var bytes: [UInt8] = []
        var capacity = max(Int(info.st_size) + 1, 4096)
        while true {
            var failure: Int32 = 0
            var atEnd = false
            let before = bytes.count
            // Read into uninitialised capacity (no zero-filling of a buffer about to be overwritten).
            let grown = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                if before > 0 {
                    bytes.withUnsafeBufferPointer { old in
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: old.baseAddress!, byteCount: before)
                    }
                }
                var filled = before
                Memory.prefault(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[filled...]))
                while filled < capacity {
                    let n = systemRead(fd, buffer.baseAddress! + filled, capacity - filled)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if n == 0 {
                        atEnd = true
                        break
                    }
                    filled += n
                }
                count = filled
            }
            bytes = grown
            if failure != 0 {
                throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: failure))", at: nil)
            }
            if atEnd { return bytes }
            capacity *= 2
        }
    }

    /// Loads YAML from bytes; `file` names it in positions and messages.
    public func load(bytes: [UInt8], file: String) throws(YAMLError) -> YAMLDocument {
        try load(bytes: bytes, file: file, streamingItemsOf: nil) { _, _ in }
    }

    /// Loads YAML from bytes, and hands over each item of the list under the root mapping's key
    /// `streamingItemsOf` as soon as that item is complete, while libyaml is still parsing the rest.
    /// The caller can then do its work on the items on this thread while libyaml runs on another
    /// (the manifest decoder decodes each shot this way). `onItem` must not keep the table.
    /// Each item's nodes are dropped from the table once `onItem` returns (unless the item defines
    /// an anchor), so the returned document's list holds the items' ids only, and a long list never
    /// holds more than one item's nodes at a time.
    func load(
        bytes: [UInt8], file: String, streamingItemsOf key: StaticString?, onItem: (YAMLNodeTable, Int32) -> Void
    ) throws(YAMLError) -> YAMLDocument {
        try Self.checkInput(bytes, file: file)
        var builder = YAMLTableBuilder(
            file: file, maxAliasExpansion: maxAliasExpansion, maxDepth: maxDepth, inputBytes: bytes.count, streamingItemsOf: key)
        let channel = EventChannel()
        if bytes.count >= Self.parallelParseBytes {
            // libyaml runs on its own thread while this one builds nodes from its events.
            let thread = Thread { Self.produceEvents(from: bytes, file: file, into: channel) }
            thread.start()
        } else {
            Self.produceEvents(from: bytes, file: file, into: channel)
        }
        // On an error the parsing thread stops at its next chunk (it owns everything it uses).
        defer { channel.stop() }
        loop: while true {
            switch channel.receive() {
            case .chunk(let chunk):
                try builder.handle(events: chunk.events, text: chunk.text, names: chunk.names, onItem: onItem)
            case .end: break loop
            case .failure(let error): throw error
            }
        }
        guard builder.root >= 0 else { return YAMLDocument(file: file, root: nil) }
        return YAMLDocument(file: file, root: YAMLNode(tree: YAMLTree(builder.table), id: builder.root))
    }

    /// What libyaml is never given: UTF-16 (it would read it, but positions and the manifest's
    /// rules assume UTF-8), NUL bytes, files over `maxFileBytes`.
    static func checkInput(_ bytes: [UInt8], file: String) throws(YAMLError) {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw YAMLError(
                "the file is UTF-16 encoded; save it as UTF-8",
                at: SourceLocation(file: file, line: 1, column: 1))
        }
        if let offset = bytes.withUnsafeBufferPointer({ b in
            b.isEmpty ? nil : memchr(b.baseAddress!, 0, b.count).map { UnsafeRawPointer($0) - UnsafeRawPointer(b.baseAddress!) }
        }) {
            throw YAMLError(
                "the file contains a NUL byte; is it a binary file?",
                at: Self.location(ofOffset: offset, in: bytes, file: file))
        }
        if bytes.count > Self.maxFileBytes {
            throw YAMLError(
                "the file is \(bytes.count / (1 << 20)) MiB; manifests larger than \(Self.maxFileBytes / (1 << 20)) MiB are not supported",
                at: nil)
        }
    }

    /// Inputs from this size on are parsed on a second thread (smaller ones parse in well under a
    /// millisecond, less than starting a thread costs).
    static let parallelParseBytes = 256 << 10
    /// Events per chunk handed from the parsing thread to the building thread.
    static let eventsPerChunk = 4096

    /// Runs libyaml over `bytes`, sending every event (copied out of libyaml) in chunks, then
    /// `.end`, or libyaml's error after the events before it.
    static func produceEvents(from bytes: [UInt8], file: String, into channel: EventChannel) {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            channel.send(.failure(YAMLError("libyaml could not initialise a parser (out of memory)", at: nil)))
            return
        }
        defer { yaml_parser_delete(parser) }
        bytes.withUnsafeBufferPointer { buffer in
            // libyaml keeps a pointer to the input for the parser's life: this closure is that life.
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            let outcome = parseEvents(parser, bytes: bytes, file: file) { events, text, names in
                // The chunk takes the arrays; the next ones start empty.
                channel.send(.chunk(EventChunk(events: events, text: text, names: names)))
                events = []
                events.reserveCapacity(eventsPerChunk)
                text = []
                text.reserveCapacity(eventsPerChunk * 24)
                names = []
                return !channel.isStopped
            }
            switch outcome {
            case .end: channel.send(.end)
            case .stopped: break
            case .failure(let error): channel.send(.failure(error))
            }
        }
    }

    enum ParseOutcome {
        case end
        /// `flush` asked to stop.
        case stopped
        case failure(YAMLError)
    }

    /// The event loop: runs `parser` (its input already set) to the end of the stream, copying each
    /// event out of libyaml, and hands the events over in runs of `eventsPerChunk` (the last run
    /// before the end or an error too). `flush` gets the run and must leave the arrays ready to be
    /// filled again; it returns false to stop. Events on 0-based line `shiftFromLine` and later have
    /// their line moved by `shiftLines` (a part of a file parsed on its own: see `loadSplit`).
    /// `bytes` serves error positions only.
    static func parseEvents(
        _ parser: UnsafeMutablePointer<yaml_parser_t>, bytes: [UInt8], file: String, shiftFromLine: Int = .max,
        shiftLines: Int32 = 0, flush: (inout [RawEvent], inout [UInt8], inout [String]) -> Bool
    ) -> ParseOutcome {
        // Filled in locals (a class's properties would pay an exclusivity check per append).
        var events: [RawEvent] = []
        events.reserveCapacity(eventsPerChunk)
        var text: [UInt8] = []
        text.reserveCapacity(eventsPerChunk * 24)
        var names: [String] = []
        var event = yaml_event_t()
        func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> Int32 {
            guard let pointer else { return -1 }
            names.append(String(cString: pointer))
            return Int32(names.count - 1)
        }
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                _ = flush(&events, &text, &names)
                return .failure(parserError(parser.pointee, bytes: bytes, file: file))
            }
            var raw = RawEvent(
                kind: .scalar, style: .plain, line: Int32(truncatingIfNeeded: event.start_mark.line + 1),
                column: Int32(truncatingIfNeeded: event.start_mark.column + 1), textStart: 0, textCount: 0, anchor: -1, tag: -1)
            if event.start_mark.line >= shiftFromLine { raw.line += shiftLines }
            var keep = true
            switch event.type {
            case YAML_STREAM_END_EVENT:
                yaml_event_delete(&event)
                return flush(&events, &text, &names) ? .end : .stopped
            case YAML_DOCUMENT_START_EVENT:
                raw.kind = .documentStart
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                switch s.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: raw.style = .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: raw.style = .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: raw.style = .literal
                case YAML_FOLDED_SCALAR_STYLE: raw.style = .folded
                default: raw.style = .plain
                }
                raw.textStart = Int32(text.count)
                raw.textCount = Int32(s.length)
                if s.length > 0, let value = s.value {
                    text.append(contentsOf: UnsafeBufferPointer(start: value, count: Int(s.length)))
                }
                raw.anchor = name(s.anchor)
                raw.tag = name(s.tag)
            case YAML_ALIAS_EVENT:
                raw.kind = .alias
                raw.anchor = name(event.data.alias.anchor)
            case YAML_SEQUENCE_START_EVENT:
                raw.kind = .sequenceStart
                raw.anchor = name(event.data.sequence_start.anchor)
                raw.tag = name(event.data.sequence_start.tag)
            case YAML_MAPPING_START_EVENT:
                raw.kind = .mappingStart
                raw.anchor = name(event.data.mapping_start.anchor)
                raw.tag = name(event.data.mapping_start.tag)
            case YAML_SEQUENCE_END_EVENT:
                raw.kind = .sequenceEnd
            case YAML_MAPPING_END_EVENT:
                raw.kind = .mappingEnd
            default:
                keep = false  // stream start, document end
            }
            yaml_event_delete(&event)
            guard keep else { continue }
            events.append(raw)
            if events.count >= eventsPerChunk, !flush(&events, &text, &names) { return .stopped }
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

// MARK: - YAMLTableBuilder: libyaml events → YAMLNodeTable

private struct Frame {
    var id: Int32
    var isMapping: Bool
    /// Where this container's children start in `Builder.pending`.
    var pendingStart: Int
    var anchor: String?
    /// Nodes in the subtree, counting through aliases.
    var weight: Int = 1
}

struct YAMLTableBuilder {
    let file: String
    let maxAliasExpansion: Int
    let maxDepth: Int
    var table = YAMLNodeTable()
    /// Children of the open containers, innermost last; moved to `table.children` when one closes.
    var pending: [Int32] = []
    fileprivate var stack: [Frame] = []
    /// `inList`: defined after the streamed list started.
    var anchors: [String: (id: Int32, weight: Int, inList: Bool)] = [:]
    var expanded = 0
    var documents = 0
    var root: Int32 = -1
    /// The root mapping's key whose list items are handed over as they complete, then dropped from
    /// the table (see `handle(events:text:names:onItem:)`).
    let streamedKey: StaticString?
    /// The node id of that list, once it starts.
    var streamedList: Int32 = -1
    /// Items of that list completed since the caller last took them.
    var completedItems: [Int32] = []
    private var itemMark: ItemMark?
    /// Anchors defined so far.
    private var anchorsDefined = 0
    /// Where the streamed list starts and ends (its end event: at the end of the input when the
    /// input stops inside the list), 1-based; 0 until seen. `loadSplit` checks its parts with these.
    var listStart = (line: Int32(0), column: Int32(0))
    var listEnd = (line: Int32(0), column: Int32(0))
    /// Anchors defined after the streamed list started.
    var anchorsInList: Set<String> = []
    /// Aliases, inside the streamed list, to anchors defined before it.
    var listAliasesToEarlierAnchors: Set<String> = []

    init(file: String, maxAliasExpansion: Int, maxDepth: Int, inputBytes: Int, streamingItemsOf key: StaticString? = nil) {
        self.file = file
        self.maxAliasExpansion = maxAliasExpansion
        self.maxDepth = maxDepth
        self.streamedKey = key
        // About one node per 14 bytes of manifest; scalar text is at most about the input's size.
        // A streamed list's items are dropped as they are handed over: the table then holds little
        // more than the top-level keys and one item, and grows only if it must.
        let reserved = key == nil ? inputBytes : min(inputBytes, 64 << 10)
        table.records.reserveCapacity(reserved / 8 + 16)
        table.children.reserveCapacity(reserved / 8 + 16)
        table.bytes.reserveCapacity(reserved + 16)
        pending.reserveCapacity(256)
    }

    func location(_ position: SourcePosition) -> SourceLocation {
        SourceLocation(file: file, position: position)
    }

    /// Adds a run of events. Each item of the streamed list goes to `onItem` as soon as it is
    /// complete; its nodes are then dropped (see `releaseItem`).
    mutating func handle(
        events: [RawEvent], text: [UInt8], names: [String], onItem: (YAMLNodeTable, Int32) -> Void = { _, _ in }
    ) throws(YAMLError) {
        for event in events {
            try handle(event, text: text, names: names)
            if !completedItems.isEmpty {
                for item in completedItems { onItem(table, item) }
                completedItems.removeAll(keepingCapacity: true)
                releaseItem()
            }
        }
    }

    /// Where the current item of the streamed list starts in the table.
    private struct ItemMark {
        var records: Int
        var children: Int
        var bytes: Int
        var tags: Int
        var anchors: Int
    }

    /// Drops the nodes of the item just handed over: they are the table's last records, children,
    /// bytes and tags, and nothing refers to them unless the item defines an anchor (an alias later
    /// on could name it: then they stay). Their ids are reused by the next item.
    private mutating func releaseItem() {
        defer { itemMark = nil }
        guard let mark = itemMark, mark.anchors == anchorsDefined else { return }
        table.records.removeSubrange(mark.records...)
        table.children.removeSubrange(mark.children...)
        table.bytes.removeSubrange(mark.bytes...)
        if table.tags.count > mark.tags { table.tags.removeSubrange(mark.tags...) }
    }

    mutating func handle(_ event: RawEvent, text: [UInt8], names: [String]) throws(YAMLError) {
        let line = event.line
        let column = event.column
        func name(_ index: Int32) -> String? { index < 0 ? nil : names[Int(index)] }
        if stack.count == 2, stack[1].id == streamedList, event.kind != .sequenceEnd, event.kind != .mappingEnd {
            itemMark = ItemMark(
                records: table.records.count, children: table.children.count, bytes: table.bytes.count, tags: table.tags.count,
                anchors: anchorsDefined)
        }
        switch event.kind {
        case .documentStart:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    "a manifest is a single YAML document, but a second document starts here",
                    at: location(SourcePosition(line: Int(line), column: Int(column))))
            }
        case .scalar:
            let start = Int32(table.bytes.count)
            if event.textCount > 0 {
                table.bytes.append(contentsOf: text[Int(event.textStart)..<Int(event.textStart + event.textCount)])
            }
            let id = append(.scalar, style: event.style, line: line, column: column, start: start, count: event.textCount,
                            tag: name(event.tag))
            try complete(id, weight: 1, anchor: name(event.anchor))
        case .alias:
            let alias = name(event.anchor) ?? ""
            let position = SourcePosition(line: Int(line), column: Int(column))
            guard let anchor = anchors[alias] else {
                throw YAMLError(
                    "alias *\(alias) refers to no anchor &\(alias) defined before it",
                    at: location(position))
            }
            if streamedList >= 0, !anchor.inList { listAliasesToEarlierAnchors.insert(alias) }
            expanded += anchor.weight
            if expanded > maxAliasExpansion {
                throw YAMLError(
                    "aliases expand to more than \(maxAliasExpansion) nodes; refusing to expand further "
                        + "(an alias bomb?)",
                    at: location(position))
            }
            let id = append(.alias, style: .plain, line: line, column: column, start: anchor.id, count: 0, tag: nil)
            try complete(id, weight: anchor.weight, anchor: nil)
        case .sequenceStart, .mappingStart:
            let isMapping = event.kind == .mappingStart
            if stack.count >= maxDepth {
                throw YAMLError(
                    "lists and mappings nest deeper than \(maxDepth) levels",
                    at: location(SourcePosition(line: Int(line), column: Int(column))))
            }
            let id = append(isMapping ? .mapping : .sequence, style: .plain, line: line, column: column, start: 0, count: 0,
                            tag: name(event.tag))
            if !isMapping, let key = streamedKey, streamedList < 0, stack.count == 1, stack[0].isMapping,
                (pending.count - stack[0].pendingStart) % 2 == 1, let last = pending.last, table.scalar(last, equals: key)
            {
                streamedList = id
                listStart = (line, column)
            }
            stack.append(Frame(id: id, isMapping: isMapping, pendingStart: pending.count, anchor: name(event.anchor)))
        case .sequenceEnd, .mappingEnd:
            let frame = stack.removeLast()
            if frame.id == streamedList { listEnd = (line, column) }
            let start = Int32(table.children.count)
            if frame.isMapping {
                try resolveMapping(from: frame.pendingStart)
            } else {
                table.children.append(contentsOf: pending[frame.pendingStart...])
            }
            pending.removeSubrange(frame.pendingStart...)
            table.records[Int(frame.id)].start = start
            table.records[Int(frame.id)].count = Int32(table.children.count) - start
            try complete(frame.id, weight: frame.weight, anchor: frame.anchor)
        }
    }

    mutating func append(
        _ kind: YAMLNodeTable.Record.Kind, style: YAMLNode.ScalarStyle, line: Int32, column: Int32, start: Int32, count: Int32,
        tag: String?
    ) -> Int32 {
        var tagIndex: Int32 = -1
        if let tag {
            tagIndex = Int32(table.tags.count)
            table.tags.append(tag)
        }
        table.records.append(.init(kind: kind, style: style, line: line, column: column, start: start, count: count, tag: tagIndex))
        return Int32(table.records.count - 1)
    }

    /// Attaches a finished node to its parent (or makes it the root).
    mutating func complete(_ id: Int32, weight: Int, anchor: String?) throws(YAMLError) {
        if let anchor {
            let inList = streamedList >= 0
            if inList { anchorsInList.insert(anchor) }
            anchorsDefined += 1
            anchors[anchor] = (id, weight, inList)
        }
        guard !stack.isEmpty else {
            root = id
            return
        }
        stack[stack.count - 1].weight += weight
        pending.append(id)
        if stack.count == 2, stack[1].id == streamedList { completedItems.append(id) }
    }

    func isMergeKey(_ id: Int32) -> Bool {
        let r = table.records[Int(table.resolved(id))]
        guard r.kind == .scalar, r.style == .plain, table.scalar(id, equals: "<<") else { return false }
        return r.tag < 0 || table.tags[Int(r.tag)] == "tag:yaml.org,2002:merge"
    }

    /// Moves a closed mapping's pairs (`pending[start...]`: key, value, key, value…) to
    /// `table.children`, rejecting duplicate keys (libyaml accepts them silently) and applying merge
    /// keys: explicit keys win; among merged mappings, the first one listed wins.
    mutating func resolveMapping(from start: Int) throws(YAMLError) {
        let pairs = (pending.count - start) / 2
        var hasMerge = false
        // Small mappings (nearly all of a manifest's) are checked pairwise; large ones with a set.
        if pairs <= 16 {
            for i in 0..<pairs {
                let key = pending[start + 2 * i]
                if isMergeKey(key) {
                    hasMerge = true
                    continue
                }
                guard table.kind(key) == .scalar else { continue }
                for j in 0..<i {
                    let earlier = pending[start + 2 * j]
                    if table.sameScalar(earlier, key) && !isMergeKey(earlier) {
                        throw duplicate(key, first: earlier)
                    }
                }
            }
        } else {
            var seen: [String: Int32] = [:]
            seen.reserveCapacity(pairs)
            for i in 0..<pairs {
                let key = pending[start + 2 * i]
                if isMergeKey(key) {
                    hasMerge = true
                    continue
                }
                guard let text = table.scalar(key) else { continue }
                if let first = seen[text] { throw duplicate(key, first: first) }
                seen[text] = key
            }
        }
        guard hasMerge else {
            table.children.append(contentsOf: pending[start...])
            return
        }
        var present: [Int32] = []  // scalar keys already in the result
        for i in 0..<pairs {
            let key = pending[start + 2 * i]
            if !isMergeKey(key), table.kind(key) == .scalar { present.append(key) }
        }
        var presentTexts: Set<String>? = present.count > 16 ? Set(present.compactMap { table.scalar($0) }) : nil
        func insert(_ key: Int32) -> Bool {
            if presentTexts != nil {
                return presentTexts!.insert(table.scalar(key) ?? "").inserted
            }
            if present.contains(where: { table.sameScalar($0, key) }) { return false }
            present.append(key)
            if present.count > 16 { presentTexts = Set(present.compactMap { table.scalar($0) }) }
            return true
        }
        var result: [Int32] = []
        result.reserveCapacity(2 * pairs)
        for i in 0..<pairs {
            let key = pending[start + 2 * i], value = pending[start + 2 * i + 1]
            guard isMergeKey(key) else {
                result.append(key)
                result.append(value)
                continue
            }
            var sources: [Int32] = []
            switch table.kind(value) {
            case .mapping:
                sources = [value]
            case .sequence where (0..<table.count(value)).allSatisfy({ table.kind(table.item(value, $0)) == .mapping }):
                sources = (0..<table.count(value)).map { table.item(value, $0) }
            default:
                throw YAMLError(
                    "the merge key '<<' takes a mapping or a list of mappings (e.g. '<<: *defaults')",
                    at: location(table.position(value)))
            }
            for source in sources {
                for j in 0..<table.count(source) {
                    let merged = table.pair(source, j)
                    guard table.kind(merged.key) == .scalar else { continue }
                    if insert(merged.key) {
                        result.append(merged.key)
                        result.append(merged.value)
                    }
                }
            }
        }
        table.children.append(contentsOf: result)
    }

    func duplicate(_ key: Int32, first: Int32) -> YAMLError {
        let text = table.scalar(key) ?? ""
        return YAMLError(
            "duplicate key '\(text)' in this mapping",
            at: location(table.position(key)),
            notes: [.note("'\(text)' is first defined here", at: location(table.position(first)))])
    }
}
