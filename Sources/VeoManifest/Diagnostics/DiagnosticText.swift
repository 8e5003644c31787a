/// Text from a manifest made safe to print in a diagnostic.
///
/// A manifest is input from anywhere: its text reaches diagnostics as quoted ids, keys and values
/// and as the source line under a message. Printed raw, control characters would drive the
/// terminal (colours, cursor moves, a carriage return overwriting the line), bidirectional controls
/// would show text in another order than it is written, and line separators would start lines
/// that look like other diagnostics. Those characters are written as escapes instead: `\x1b` for
/// control characters (`\n`, `\r`, `\t` for the usual three), `\u{202E}` for bidirectional
/// controls, separators and the byte order mark. Bytes that are not UTF-8 are written `\xff`.
enum DiagnosticText {
    /// Messages longer than this (in characters) keep their start and end around a "…": a value of
    /// megabytes quoted in a message is not printed whole.
    static let maxMessageLength = 1_000
    /// How much of a long message's end is kept.
    static let keptMessageEnd = 200

    /// Whether the character is written as an escape.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0 and C1 control characters, DEL
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional controls
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0xFEFF: true  // zero-width no-break space (a byte order mark)
        default: false
        }
    }

    /// The escape written for a character that needs one.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            if scalar.value < 0x80 { return escape(byte: UInt8(scalar.value)) }
            return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
    }

    /// The escape written for a byte that is not part of valid UTF-8.
    static func escape(byte: UInt8) -> String {
        "\\x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
    }

    /// `text` with every character that needs it escaped.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) { out += escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// A message as it is kept and printed: escaped, and cut in the middle when longer than
    /// `maxMessageLength` characters.
    static func message(_ text: String) -> String {
        let safe = escaped(text)
        guard safe.unicodeScalars.count > maxMessageLength else { return safe }
        let scalars = safe.unicodeScalars
        let head = scalars.prefix(maxMessageLength - keptMessageEnd - 1)
        let tail = scalars.suffix(keptMessageEnd)
        return String(String.UnicodeScalarView(head)) + "…" + String(String.UnicodeScalarView(tail))
    }

    /// A value to quote in a message: escaped, and cut after `maxLength` characters with "…".
    static func excerpt(_ value: String, maxLength: Int = 60) -> String {
        let safe = escaped(value)
        guard safe.unicodeScalars.count > maxLength else { return safe }
        return String(String.UnicodeScalarView(safe.unicodeScalars.prefix(maxLength))) + "…"
    }
}
