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

    /// JSON inside `<script type="application/json">`: `<` escaped so no text in it can close the element.
    static func scriptJSON(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }

    /// An element id for a job: `hero/final#2` → `job-hero.final~2` (`.` and `~` never occur in
    /// shot or variant ids, so ids never collide).
    static func anchor(job id: String) -> String {
        "job-" + id.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: "#", with: "~")
    }

    static func anchor(shot id: String) -> String { "shot-" + id }

    static func anchor(cut id: String) -> String { "cut-" + id }
}
