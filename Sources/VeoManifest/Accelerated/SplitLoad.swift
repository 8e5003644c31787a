internal import CYAML
import Synchronization

/// Parsing a large manifest on two cores at once.
///
/// libyaml's parse is inherently sequential, and on its own it takes about as long as everything
/// the loader, decoder and planner do after it. A manifest is nearly all one long block list
/// (`shots:`), so the file is cut at an item of that list near its middle (`SplitPoint.swift`):
///
/// - part one: the file up to the cut (libyaml ends the list and the document at the cut as if
///   the file ended there);
/// - part two: the header (everything before the list's first item) followed by the file from the
///   cut, so libyaml sees a complete document whose list starts at the cut.
///
/// Each part is parsed, built and handed to its own closure (the manifest decoder) on its own
/// thread, each exactly as the plain loader does it (`YAMLLoader.parse`). Whether the cut is really
/// between two items of that list depends on everything before it (a quoted scalar or a flow
/// collection could span it), so the parts are checked against facts only a real item boundary
/// gives: part one's list is still open at the cut, part two's list starts at the cut, line numbers
/// agree, the list is the root's last value, part two's items use no anchor defined in part one's
/// items, and the alias cap holds over both parts. When any check fails, or either part has an
/// error, the caller loads the file the plain way, which also reports any error exactly as always.
extension YAMLLoader {
    /// Parses `bytes` in two parts at once (see above). On each part's thread, as soon as the part
    /// is built and checked, `first` gets part one's document and its list under `key`, `second`
    /// part two's. Returns both results, or nil when the parts do not check out or either has an
    /// error: the caller then loads the file the plain way.
    func loadSplit<First: Sendable, Second: Sendable>(
        bytes: [UInt8], file: String, key: StaticString, at point: SplitPoint,
        first: @Sendable (YAMLDocument, YAMLNode) -> First, second: @Sendable (YAMLDocument, YAMLNode) -> Second
    ) -> (First, Second)? {
        // Input the plain load refuses is loaded the plain way, which says why. Lines are counted
        // as libyaml counts them (exotic line breaks: no split).
        guard point.listStart < point.cut, point.cut < bytes.count, (try? Self.checkInput(bytes, file: file)) != nil,
            let headerLines = Self.lineBreaks(in: bytes, from: 0, to: point.listStart),
            let skippedLines = Self.lineBreaks(in: bytes, from: point.listStart, to: point.cut)
        else { return nil }
        // Lines and columns are 1-based.
        let cutLine = Int32(headerLines + skippedLines) + 1, column = Int32(point.indent) + 1
        let one = SplitPart(
            header: 0..<0, body: 0..<point.cut, listStart: (Int32(headerLines) + 1, column), listEnd: (cutLine, 1),
            shiftAfterLine: .max, shift: 0)
        let two = SplitPart(
            header: 0..<point.listStart, body: point.cut..<bytes.count, listStart: (cutLine, column), listEnd: nil,
            shiftAfterLine: Int32(headerLines), shift: Int32(skippedLines))
        let stop = StopFlag()
        let (partOne, partTwo) = Parallel.pair(
            { self.parse(one, of: bytes, file: file, key: key, stop: stop, then: first) },
            { self.parse(two, of: bytes, file: file, key: key, stop: stop, then: second) })
        guard let partOne, let partTwo, partOne.anchorsInList.isDisjoint(with: partTwo.aliasesToEarlierAnchors),
            partOne.expanded + partTwo.expanded <= maxAliasExpansion
        else { return nil }
        return (partOne.output, partTwo.output)
    }

    /// One part parsed and built on this thread, its list checked, then handed to `work`. Nil on
    /// any error or failed check (the other part then stops), or once the other part has failed.
    private func parse<Output: Sendable>(
        _ part: SplitPart, of bytes: [UInt8], file: String, key: StaticString, stop: StopFlag,
        then work: (YAMLDocument, YAMLNode) -> Output
    ) -> PartResult<Output>? {
        var builder = YAMLTableBuilder(file: file, loader: self, inputBytes: part.header.count + part.body.count)
        var watch = ListWatch(expectedStart: part.listStart)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            let input = UnsafeMutablePointer<TwoPartInput>.allocate(capacity: 1)
            input.initialize(to: TwoPartInput(first: .init(rebasing: buffer[part.header]), second: .init(rebasing: buffer[part.body])))
            defer { input.deallocate() }
            return (try? Self.parse(bytes: bytes, file: file) { parser in
                yaml_parser_set_input(parser, { data, buffer, size, read in
                    data!.assumingMemoryBound(to: TwoPartInput.self).pointee.read(into: buffer!, size: size, read: read!)
                }, input)
            } each: { (event) throws(YAMLError) in
                var event = event
                if event.line > part.shiftAfterLine { event.line += part.shift }
                watch.observe(event, in: builder)
                try builder.handle(event)
                if stop.isSet { throw YAMLError("stopped: the other part failed", at: nil) }
            }) != nil
        }
        let list = watch.list
        guard parsed, list >= 0, builder.isLastValueOfRoot(list, key: key), watch.ends(at: part.listEnd) else {
            stop.set()
            return nil
        }
        let document = builder.document
        let output = work(document, YAMLNode(tree: document.root!.owner, id: list))
        return PartResult(
            output: output, expanded: builder.expanded, anchorsInList: watch.anchorsInList,
            aliasesToEarlierAnchors: watch.aliasesToEarlierAnchors)
    }
}

/// What one part parses, and what its list must look like.
private struct SplitPart: Sendable {
    /// Byte ranges of the file, read one after the other.
    var header: Range<Int>
    var body: Range<Int>
    /// Where the list must start (its first `-`), and end (nil: anywhere).
    var listStart: (line: Int32, column: Int32)
    var listEnd: (line: Int32, column: Int32)?
    /// Lines after this one (the header's) are moved down by `shift`, to where they are in the file.
    var shiftAfterLine: Int32
    var shift: Int32
}

private struct PartResult<Output: Sendable>: Sendable {
    var output: Output
    var expanded: Int
    var anchorsInList: Set<String>
    var aliasesToEarlierAnchors: Set<String>
}

/// Follows a part's events for the list the file is cut in (the sequence that starts at
/// `expectedStart` as a value of the root mapping), and notes what the checks need.
private struct ListWatch {
    let expectedStart: (line: Int32, column: Int32)
    /// The list's node id, once it starts.
    private(set) var list: Int32 = -1
    /// Where its end event is.
    private(set) var end: (line: Int32, column: Int32)?
    /// Anchors written on nodes inside the list.
    private(set) var anchorsInList: Set<String> = []
    /// Aliases inside the list that name an anchor defined before it.
    private(set) var aliasesToEarlierAnchors: Set<String> = []

    init(expectedStart: (line: Int32, column: Int32)) {
        self.expectedStart = expectedStart
    }

    /// Whether the list ended at `expected` (nil: anywhere).
    func ends(at expected: (line: Int32, column: Int32)?) -> Bool {
        guard let expected else { return true }
        return end?.line == expected.line && end?.column == expected.column
    }

    /// Called with each event just before the builder handles it.
    mutating func observe(_ event: YAMLEvent, in builder: borrowing YAMLTableBuilder) {
        guard list >= 0 else {
            if event.kind == .sequenceStart, builder.depth == 1, event.line == expectedStart.line, event.column == expectedStart.column {
                list = builder.nextNodeID
            }
            return
        }
        guard end == nil else { return }
        if let name = event.anchor {
            if event.kind != .alias {
                anchorsInList.insert(name)
            } else if let node = builder.anchorNode(named: name), node < list {
                aliasesToEarlierAnchors.insert(name)
            }
        }
        if event.kind == .sequenceEnd, builder.innermostOpenNode == list { end = (event.line, event.column) }
    }
}

extension YAMLTableBuilder {
    /// Whether `list` is the value of the root mapping's last key, and that key is `key`: nothing
    /// follows the list in the document.
    fileprivate func isLastValueOfRoot(_ list: Int32, key: StaticString) -> Bool {
        guard root >= 0, table.kind(root) == .mapping, table.count(root) > 0 else { return false }
        let last = table.pair(root, table.count(root) - 1)
        return last.value == list && table.scalar(last.key, equals: key)
    }
}

/// libyaml's input for a part: two byte ranges read as one.
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

/// Set by the part that fails first; the other stops at its next event.
private final class StopFlag: Sendable {
    private let flag = Atomic(false)

    func set() { flag.store(true, ordering: .relaxed) }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}
