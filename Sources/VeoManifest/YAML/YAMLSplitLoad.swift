internal import CYAML
import Foundation
import Synchronization

/// Parsing a large manifest on two cores at once.
///
/// libyaml's parse is inherently sequential, and on its own it takes about as long as everything
/// the loader, decoder and planner do after it. A manifest is nearly all one long block list
/// (`shots:`), so the file is cut at an item of that list near its middle:
///
/// - part one, on this thread: the file up to the cut (libyaml ends the list and the document at
///   the cut as if the file ended there);
/// - part two, on another thread: the header (everything before the list's first item) followed
///   by the file from the cut, so libyaml sees a complete document whose list starts at the cut.
///
/// Each part is parsed, built and handed item by item to its own sink (the manifest decoder).
/// Whether the cut is really between two items of that list depends on everything before it (a
/// quoted scalar or a flow collection could span it), so the parts are checked afterwards against
/// facts only a real item boundary gives: part one's list is still open at the cut, part two's list
/// starts at the cut, line numbers agree, part two's items use no anchor defined in part one's
/// items, nothing follows the list. When any check fails, or either part has an error, the caller
/// loads the file the usual way, which also reports any error exactly as always.
extension YAMLLoader {
    struct SplitPoint: Equatable, Sendable {
        /// Byte offset of the line of the list's first item: the header is everything before it.
        var listStart: Int
        /// Byte offset of the line of the item where part two starts.
        var cut: Int
        /// Spaces before the items' `-`.
        var indent: Int
    }

    /// Where to cut `bytes`: `key` must be a root key alone on its line (`shots:`, a comment may
    /// follow) whose block list starts on the next line that is not blank or a comment. The cut is
    /// the first line at or after `target` (default: the middle) that starts an item of the same
    /// indentation. Nil when the file does not look like that (it then loads the usual way).
    static func splitPoint(in bytes: [UInt8], key: StaticString, target: Int? = nil) -> SplitPoint? {
        bytes.withUnsafeBufferPointer { buffer -> SplitPoint? in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            let count = buffer.count
            func endOfLine(from start: Int) -> Int {
                guard start < count, let hit = memchr(base + start, 0x0A, count - start) else { return count }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            }
            // The first line that starts with the key and a colon (the header is a few lines).
            let needle = key.withUTF8Buffer { Array($0) } + [UInt8](":".utf8)
            var keyLine = 0
            while keyLine < count, !UnsafeBufferPointer(rebasing: buffer[keyLine...]).starts(with: needle) {
                keyLine = endOfLine(from: keyLine) + 1
            }
            guard keyLine < count else { return nil }
            // The rest of the key's line: blanks, perhaps a comment.
            var i = keyLine + needle.count
            func restIsBlankOrComment(_ start: Int) -> Bool {
                var j = start
                while j < count, buffer[j] == 0x20 || buffer[j] == 0x0D { j += 1 }
                return j >= count || buffer[j] == 0x0A || buffer[j] == 0x23  // '#'
            }
            guard restIsBlankOrComment(i) else { return nil }
            i = endOfLine(from: i) + 1
            // Blank and comment lines, then the first item.
            func itemIndent(at line: Int) -> Int? {
                var j = line
                while j < count, buffer[j] == 0x20 { j += 1 }
                guard j + 1 < count, buffer[j] == 0x2D else { return nil }  // '-'
                let next = buffer[j + 1]
                return next == 0x20 || next == 0x0A || next == 0x0D ? j - line : nil
            }
            var indent: Int?
            while i < count {
                if let n = itemIndent(at: i) {
                    indent = n
                    break
                }
                guard restIsBlankOrComment(i) else { return nil }
                i = endOfLine(from: i) + 1
            }
            guard let indent else { return nil }
            let listStart = i
            // The first line from the target on that starts an item of this indentation.
            var line = endOfLine(from: max(target ?? count / 2, listStart + 1)) + 1
            while line < count {
                if itemIndent(at: line) == indent { return SplitPoint(listStart: listStart, cut: line, indent: indent) }
                line = endOfLine(from: line) + 1
            }
            return nil
        }
    }

    /// Parses `bytes` in two parts at once (see above), handing the items of the root key `key`'s
    /// list to a copy of `sink` per part: items before the cut to `first`, the rest to `second`.
    /// Returns part one's document (its list holds part one's items only) and both sinks, or nil
    /// when the parts do not check out or either has an error: the caller then loads the file the
    /// usual way and drops both sinks.
    func loadSplit<Sink: Sendable>(
        bytes: [UInt8], file: String, key: StaticString, at point: SplitPoint, sink: Sink,
        onItem: @escaping @Sendable (inout Sink, YAMLNodeTable, Int32) -> Void
    ) -> (document: YAMLDocument, first: Sink, second: Sink)? {
        guard point.listStart < point.cut, point.cut < bytes.count else { return nil }
        // Input the usual load refuses: it is loaded the usual way, which says why.
        guard (try? Self.checkInput(bytes, file: file)) != nil else { return nil }
        // Lines before the list, as libyaml counts them (exotic line breaks: no split).
        guard let headerLines = Self.lineBreaks(in: bytes, from: 0, to: point.listStart) else { return nil }
        let loader = self
        let second = SecondPart<Sink>()
        let thread = Thread {
            second.finish(loader.parseSecondPart(bytes: bytes, file: file, key: key, at: point, headerLines: headerLines,
                                                 sink: sink, onItem: onItem, stop: second))
        }
        thread.start()

        // Part one, on this thread.
        var firstSink = sink
        var first = YAMLTableBuilder(
            file: file, maxAliasExpansion: maxAliasExpansion, maxDepth: maxDepth, inputBytes: point.cut, streamingItemsOf: key)
        let parsedFirst = bytes.withUnsafeBufferPointer { buffer in
            Self.parsePart(bytes: bytes, file: file, builder: &first, stop: { false }) { parser in
                yaml_parser_set_input_string(parser, buffer.baseAddress, point.cut)
            } onItem: { table, node in
                onItem(&firstSink, table, node)
            }
        }
        if !parsedFirst { second.stop() }
        guard let (secondBuilder, secondSink, lineBreaks) = second.wait(), parsedFirst else { return nil }

        // The checks (see the type's comment). Lines are 1-based here.
        let cutLine = Int32(headerLines + lineBreaks) + 1
        let column = Int32(point.indent) + 1
        guard first.root >= 0, first.streamedList >= 0,
            first.listStart == (Int32(headerLines) + 1, column),
            first.listEnd == (cutLine, 1),  // still open when part one's input ended
            secondBuilder.streamedList >= 0,
            secondBuilder.listStart == (cutLine, column),
            secondBuilder.listIsLastValueOfRoot,
            first.anchorsInList.isDisjoint(with: secondBuilder.listAliasesToEarlierAnchors),
            first.expanded + secondBuilder.expanded <= maxAliasExpansion
        else { return nil }
        let document = YAMLDocument(file: file, root: YAMLNode(tree: YAMLTree(first.table), id: first.root))
        return (document, firstSink, secondSink)
    }

    /// Part two: the header, then the file from the cut; lines from the cut on are moved to where
    /// they are in the file. Nil on any error.
    private func parseSecondPart<Sink: Sendable>(
        bytes: [UInt8], file: String, key: StaticString, at point: SplitPoint, headerLines: Int, sink: Sink,
        onItem: (inout Sink, YAMLNodeTable, Int32) -> Void, stop: SecondPart<Sink>
    ) -> (YAMLTableBuilder, Sink, Int)? {
        guard let lineBreaks = Self.lineBreaks(in: bytes, from: point.listStart, to: point.cut) else { return nil }
        var sink = sink
        var builder = YAMLTableBuilder(
            file: file, maxAliasExpansion: maxAliasExpansion, maxDepth: maxDepth,
            inputBytes: point.listStart + bytes.count - point.cut, streamingItemsOf: key)
        let parsed = bytes.withUnsafeBufferPointer { buffer -> Bool in
            let input = UnsafeMutablePointer<TwoPartInput>.allocate(capacity: 1)
            input.initialize(to: TwoPartInput(
                first: UnsafeBufferPointer(rebasing: buffer[..<point.listStart]),
                second: UnsafeBufferPointer(rebasing: buffer[point.cut...])))
            defer { input.deallocate() }
            return Self.parsePart(
                bytes: bytes, file: file, shiftFromLine: headerLines, shiftLines: Int32(lineBreaks), builder: &builder,
                stop: { stop.isStopped }
            ) { parser in
                yaml_parser_set_input(parser, { data, buffer, size, read in
                    data!.assumingMemoryBound(to: TwoPartInput.self).pointee.read(into: buffer!, size: size, read: read!)
                }, input)
            } onItem: { table, node in
                onItem(&sink, table, node)
            }
        }
        return parsed ? (builder, sink, lineBreaks) : nil
    }

    /// Parses one part on this thread, a chunk of events at a time, into `builder`, handing over
    /// the streamed list's items as they complete. False on any error (or when stopped).
    private static func parsePart(
        bytes: [UInt8], file: String, shiftFromLine: Int = .max, shiftLines: Int32 = 0, builder: inout YAMLTableBuilder,
        stop: () -> Bool, setInput: (UnsafeMutablePointer<yaml_parser_t>) -> Void,
        onItem: (YAMLNodeTable, Int32) -> Void
    ) -> Bool {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return false }
        defer { yaml_parser_delete(parser) }
        setInput(parser)
        var failed = false
        let outcome = parseEvents(parser, bytes: bytes, file: file, shiftFromLine: shiftFromLine, shiftLines: shiftLines) {
            events, text, names in
            do {
                try builder.handle(events: events, text: text, names: names, onItem: onItem)
            } catch {
                failed = true
                return false
            }
            // The builder copied what it keeps: the arrays are filled again in place.
            events.removeAll(keepingCapacity: true)
            text.removeAll(keepingCapacity: true)
            names.removeAll()
            return !stop()
        }
        guard case .end = outcome, !failed else { return false }
        return builder.root >= 0
    }

    /// Line breaks in `bytes[from..<to]`, or nil if any is one that libyaml counts but a count of
    /// "\n" would not (a lone "\r", U+0085, U+2028, U+2029).
    static func lineBreaks(in bytes: [UInt8], from start: Int, to end: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard start < end, let base = buffer.baseAddress else { return 0 }
            func each(_ byte: UInt8, _ body: (Int) -> Bool) -> Bool {
                var i = start
                while i < end, let hit = memchr(base + i, Int32(byte), end - i) {
                    let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    guard body(at) else { return false }
                    i = at + 1
                }
                return true
            }
            var newlines = 0
            _ = each(0x0A) { _ in
                newlines += 1
                return true
            }
            let plain =
                each(0x0D) { at in at + 1 < buffer.count && buffer[at + 1] == 0x0A }
                && each(0xC2) { at in at + 1 >= buffer.count || buffer[at + 1] != 0x85 }
                && each(0xE2) { at in at + 2 >= buffer.count || buffer[at + 1] != 0x80 || (buffer[at + 2] != 0xA8 && buffer[at + 2] != 0xA9) }
            return plain ? newlines : nil
        }
    }
}

extension YAMLTableBuilder {
    /// The streamed list is the root mapping's last value: nothing follows it in the document.
    var listIsLastValueOfRoot: Bool {
        guard root >= 0, streamedList >= 0, table.kind(root) == .mapping else { return false }
        let pairs = table.count(root)
        return pairs > 0 && table.pair(root, pairs - 1).value == streamedList
    }
}

/// libyaml's input for part two: two byte ranges read as one.
private struct TwoPartInput {
    let first: UnsafeBufferPointer<UInt8>
    let second: UnsafeBufferPointer<UInt8>
    var offset = 0

    init(first: UnsafeBufferPointer<UInt8>, second: UnsafeBufferPointer<UInt8>) {
        self.first = first
        self.second = second
    }

    /// libyaml's read handler: 1 on success (`read` = 0 at the end).
    mutating func read(into buffer: UnsafeMutablePointer<UInt8>, size: Int, read: UnsafeMutablePointer<Int>) -> Int32 {
        var filled = 0
        while filled < size, offset < first.count + second.count {
            let (part, at) = offset < first.count ? (first, offset) : (second, offset - first.count)
            let n = min(size - filled, part.count - at)
            (buffer + filled).update(from: part.baseAddress! + at, count: n)
            filled += n
            offset += n
        }
        read.pointee = filled
        return 1
    }
}

/// Part two's result, handed from its thread to the caller's once (a semaphore orders the write
/// before the read), and part one's request to stop early.
private final class SecondPart<Sink: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<(YAMLTableBuilder, Sink, Int)?>(nil)
    private let stopped = Atomic(false)

    func finish(_ result: (YAMLTableBuilder, Sink, Int)?) {
        self.result.withLock { $0 = result }
        done.signal()
    }

    func wait() -> (YAMLTableBuilder, Sink, Int)? {
        done.wait()
        return result.withLock { $0 }
    }

    /// Part one failed: part two stops at its next chunk.
    func stop() { stopped.store(true, ordering: .relaxed) }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
