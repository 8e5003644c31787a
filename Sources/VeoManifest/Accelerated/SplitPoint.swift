#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where to cut a large manifest for the split load (`SplitLoad.swift`): at an item of its `shots`
/// list near the middle, found by looking at the bytes only. Whether the cut really is between two
/// items is checked afterwards, against what libyaml made of each part.
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
    /// indentation. Nil when the file does not look like that (it then loads the plain way).
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
