/// Text from outside the tool (a server's ids and messages, a manifest's prompts and ids) made safe
/// to print: C0 and C1 control characters, DEL and Unicode's bidirectional controls are shown as
/// visible escapes (`\u{1B}`), so nothing that came from elsewhere can move the cursor, retitle the
/// terminal, clear the screen or reorder the line a person reads.
public enum TerminalText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Control characters (tab excepted), DEL, C1 controls, and the bidi embedding, override and
    /// isolate controls (U+202A-U+202E, U+2066-U+2069) and marks (U+200E, U+200F, U+061C).
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
