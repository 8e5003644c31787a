// MARK: - Video ids the client accepts from a server and puts in a URL

/// A video id is 1 to 200 of `A-Z a-z 0-9 . _ -`, and not `.` or `..`: it goes into a URL path
/// (`/v1/videos/{id}`) as it is, into file names and into the journal, so nothing else is let through.
public enum VideoID {
    public static let maxLength = 200

    public static func isValid(_ id: String) -> Bool {
        guard (1...maxLength).contains(id.utf8.count), id != ".", id != ".." else { return false }
        return id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
