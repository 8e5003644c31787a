/// A source line as printed under a diagnostic, and the indent that puts a caret under a column.
///
/// Characters a terminal would act on or hide are escaped, and bytes that are not UTF-8 are
/// written `\xff` (see `DiagnosticText`); tabs are kept, so that the caret line, which repeats
/// them, lines up. A line wider than `maxWidth` (a minified or binary file) is cut to a window
/// around the column, with "…" where text is left out.
struct SourceExcerpt {
    /// Widest line printed, in characters as printed (an escape counts its length).
    static let maxWidth = 120
    /// Characters kept before the column when a line is cut (more when the line ends sooner).
    static let widthBeforeColumn = 40

    var text: String
    /// Spaces (and the line's own tabs) that put a caret under the column.
    var caretIndent: String

    /// `line` without its line break; `column` 1-based, counting characters as libyaml does.
    init(line bytes: ArraySlice<UInt8>, column: Int) {
        let target = Self.offset(ofColumn: column, in: bytes)
        // Each printed piece takes at most 4 bytes: these bytes hold more than fits either side.
        let reach = 4 * Self.maxWidth
        var from = max(bytes.startIndex, target - reach)
        while from < target, from > bytes.startIndex, bytes[from] & 0xC0 == 0x80 { from += 1 }
        let to = min(bytes.endIndex, target + reach)
        let before = Self.pieces(bytes[from..<target]), after = Self.pieces(bytes[target..<to])
        let (lo, hi) = Self.window(before: before, after: after)
        let cutBefore = lo > 0 || from > bytes.startIndex
        let cutAfter = hi < after.count || to < bytes.endIndex
        let shownBefore = before[lo...].joined()
        text = (cutBefore ? "…" : "") + shownBefore + after[..<hi].joined() + (cutAfter ? "…" : "")
        caretIndent = (cutBefore ? " " : "") + shownBefore.map { $0 == "\t" ? "\t" : " " }.joined()
    }

    /// The pieces shown: `before[lo...]` and `after[..<hi]`, at most `maxWidth` wide, with up to
    /// `widthBeforeColumn` of it before the column unless the line ends sooner.
    private static func window(before: [String], after: [String]) -> (lo: Int, hi: Int) {
        func width(_ piece: String) -> Int { piece.unicodeScalars.count }
        var lo = before.count, hi = 0, used = 0
        while lo > 0, used + width(before[lo - 1]) <= widthBeforeColumn {
            lo -= 1
            used += width(before[lo])
        }
        while hi < after.count, used + width(after[hi]) <= maxWidth {
            used += width(after[hi])
            hi += 1
        }
        while lo > 0, used + width(before[lo - 1]) <= maxWidth {
            lo -= 1
            used += width(before[lo])
        }
        return (lo, hi)
    }

    /// Where the character at `column` starts (the end of the line when it has fewer): columns
    /// count UTF-8 lead bytes, as the loader's positions do.
    private static func offset(ofColumn column: Int, in bytes: ArraySlice<UInt8>) -> Int {
        var remaining = column - 1
        for i in bytes.indices where bytes[i] & 0xC0 != 0x80 {
            if remaining <= 0 { return i }
            remaining -= 1
        }
        return bytes.endIndex
    }

    /// Each character as printed: itself, a tab, or an escape; each byte that is not UTF-8 as `\xff`.
    private static func pieces(_ bytes: ArraySlice<UInt8>) -> [String] {
        var pieces: [String] = []
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var position = bytes.startIndex
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                let keep = scalar == "\t" || !DiagnosticText.needsEscape(scalar)
                pieces.append(keep ? String(scalar) : DiagnosticText.escape(scalar))
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<(position + length)] { pieces.append(DiagnosticText.escape(byte: byte)) }
                position += length
            case .emptyInput:
                return pieces
            }
        }
    }
}
