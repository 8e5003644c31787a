import Foundation

/// Text and attributes for HTML: everything from a manifest or a server goes through here.
enum HTML {
    /// Escapes text for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are shown, not sent raw.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" || (0x7F...0x9F).contains(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A relative URL for a path inside the output folder: each segment percent-encoded (spaces,
    /// `#`, `?`, Unicode), never absolute, so the page works from `file://` and when the folder is
    /// copied or served elsewhere.
    static func relativeURL(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;:")
        return path.split(separator: "/", omittingEmptySubsequences: true)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
            .joined(separator: "/")
    }

    /// JSON inside `<script type="application/json">`: `<` escaped so no text in it can close the
    /// element, and U+2028 and U+2029 as escapes. Done on the UTF-8 bytes: Foundation's
    /// `replacingOccurrences` took a third of the page's time for 500 jobs.
    static func scriptJSON(_ data: Data) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 64)
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "<") {
                out += Array("\\u003c".utf8)
            } else if byte == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                out += Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An element id for a job: `hero/final#2` → `job-hero.final~2` (`.` and `~` never occur in
    /// shot or variant ids, so ids never collide).
    static func anchor(job id: String) -> String {
        "job-" + id.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: "#", with: "~")
    }

    static func anchor(shot id: String) -> String { "shot-" + id }

    static func anchor(cut id: String) -> String { "cut-" + id }
}
