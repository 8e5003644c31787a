public import Foundation

/// The text of source files, kept to show the offending line under a diagnostic.
public struct SourceTexts: Sendable {
    /// A file's bytes; where its lines start is worked out only when a line is shown.
    private final class File: @unchecked Sendable {
        let bytes: [UInt8]
        private var starts: [Int]?
        private let lock = NSLock()

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        /// Byte offset where each line starts.
        var lineStarts: [Int] {
            lock.lock()
            defer { lock.unlock() }
            if let starts { return starts }
            var found = [0]
            for (i, byte) in bytes.enumerated() where byte == 0x0A { found.append(i + 1) }
            starts = found
            return found
        }
    }

    private var files: [String: File] = [:]

    public init() {}

    public mutating func add(file: String, text: String) {
        files[file] = File(bytes: Array(text.utf8))
    }

    public mutating func add(file: String, bytes: [UInt8]) {
        files[file] = File(bytes: bytes)
    }

    /// The 1-based line of a file, without its line break ("\n" or "\r\n").
    public func line(_ number: Int, of file: String) -> String? {
        lineBytes(number, of: file).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of the 1-based line of a file, without its line break, and on the first line
    /// without a UTF-8 byte order mark (invisible, and not counted in columns).
    func lineBytes(_ number: Int, of file: String) -> ArraySlice<UInt8>? {
        guard let f = files[file] else { return nil }
        let starts = f.lineStarts
        guard number >= 1, number <= starts.count else { return nil }
        var start = starts[number - 1]
        var end = number < starts.count ? starts[number] - 1 : f.bytes.count
        if end > start, f.bytes[end - 1] == 0x0D { end -= 1 }
        if number == 1, f.bytes[start..<max(start, end)].starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        return f.bytes[start..<max(start, end)]
    }
}

/// Renders diagnostics as text (like a compiler) or JSON (for editors and CI).
public struct DiagnosticRenderer: Sendable {
    public var sources: SourceTexts
    public var useColor: Bool

    public init(sources: SourceTexts, useColor: Bool) {
        self.sources = sources
        self.useColor = useColor
    }

    /// `path:line:col: error: message`, then the source line and a caret under the column. The
    /// source line is printed as `SourceExcerpt` shows it: escaped, and cut around the column when
    /// it is long.
    public func render(_ diagnostic: Diagnostic) -> String {
        var out = renderOne(diagnostic)
        for note in diagnostic.notes {
            out += renderOne(note)
        }
        return out
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    private func renderOne(_ d: Diagnostic) -> String {
        let severity: String
        switch d.severity {
        case .error: severity = paint("error:", "1;31")
        case .warning: severity = paint("warning:", "1;35")
        case .note: severity = paint("note:", "1;36")
        }
        var out = ""
        if let location = d.location {
            out += paint("\(location):", "1") + " "
        }
        out += "\(severity) \(paint(d.message, "1"))\n"
        if let location = d.location, let line = sources.lineBytes(location.position.line, of: location.file) {
            let excerpt = SourceExcerpt(line: line, column: location.position.column)
            out += excerpt.text + "\n"
            out += excerpt.caretIndent + paint("^", "1;32") + "\n"
        }
        return out
    }

    private func paint(_ text: String, _ code: String) -> String {
        useColor ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The same diagnostics as a JSON document: `{"diagnostics": [...], "errors": N, "warnings": N}`.
    public static func json(_ diagnostics: [Diagnostic], files: [String]) -> Data {
        func object(_ d: Diagnostic) -> [String: Any] {
            var o: [String: Any] = ["severity": d.severity.rawValue, "message": d.message]
            if let l = d.location {
                o["file"] = l.file
                o["line"] = l.position.line
                o["column"] = l.position.column
            } else {
                o["file"] = NSNull()
                o["line"] = NSNull()
                o["column"] = NSNull()
            }
            o["notes"] = d.notes.map(object)
            return o
        }
        let root: [String: Any] = [
            "files": files,
            "valid": !diagnostics.contains { $0.severity == .error },
            "errors": diagnostics.count { $0.severity == .error },
            "warnings": diagnostics.count { $0.severity == .warning },
            "diagnostics": diagnostics.map(object),
        ]
        return (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }
}
