// MARK: - Text that came from a server, made safe to print

/// Text a server sent (messages, codes, ids) before it reaches a terminal, a log or a file.
public enum ServerText {
    /// `text` with every C0 and C1 control character, DEL, the Unicode bidirectional controls and
    /// the line and paragraph separators written as visible `\u{…}` escapes (uppercase hex), so a
    /// server cannot move the cursor, clear the screen, set the window title, start a new line or
    /// reorder what is printed around its text. Everything else is kept as it is.
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// At most `limit` characters of `text` (an ellipsis marks a cut), then sanitized.
    public static func excerpt(_ text: String, limit: Int) -> String {
        let cut = text.count > limit ? text.prefix(max(0, limit)) + "…" : Substring(text)
        return sanitized(String(cut))
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F:  // C0 controls, DEL, C1 controls
            true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:  // bidirectional controls
            true
        case 0x2028, 0x2029:  // line and paragraph separators
            true
        default:
            false
        }
    }
}
