/// A position in a source file: 1-based line and column (columns count characters, as libyaml does).
///
/// Stored in 32 bits each (files are at most 512 MiB): every decoded field and planned job carries
/// one, so this halves what positions cost in a large manifest's memory.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    private var storedLine: Int32
    private var storedColumn: Int32

    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }

    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }

    public init(line: Int, column: Int) {
        self.storedLine = Int32(clamping: line)
        self.storedColumn = Int32(clamping: column)
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A file and a position in it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition

    public init(file: String, position: SourcePosition) {
        self.file = file
        self.position = position
    }

    public init(file: String, line: Int, column: Int) {
        self.init(file: file, position: SourcePosition(line: line, column: column))
    }

    /// `file:line:column`, the file name escaped like any text from outside (a name may hold ESC
    /// sequences or line breaks).
    public var description: String { "\(DiagnosticText.escaped(file)):\(position.line):\(position.column)" }
}

/// One finding, like a compiler's: a severity, where, what, and notes pointing elsewhere.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
        case note
    }

    public var severity: Severity
    /// Where the problem is; nil when it has no place in a file (e.g. the file cannot be read).
    public var location: SourceLocation?
    /// What is wrong, on one line. Manifest text quoted in it (ids, keys, values) has its control
    /// and bidirectional characters escaped, and a message of more than
    /// `DiagnosticText.maxMessageLength` characters is cut in the middle (see `DiagnosticText`).
    public var message: String {
        get { storedMessage }
        set { storedMessage = DiagnosticText.message(newValue) }
    }
    private var storedMessage: String
    /// Related places (e.g. "first defined here"), printed after the diagnostic.
    public var notes: [Diagnostic]

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?, notes: [Diagnostic] = []) {
        self.severity = severity
        self.storedMessage = DiagnosticText.message(message)
        self.location = location
        self.notes = notes
    }

    public static func error(_ message: String, at location: SourceLocation?, notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.error, message, at: location, notes: notes)
    }

    public static func warning(_ message: String, at location: SourceLocation?, notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.warning, message, at: location, notes: notes)
    }

    public static func note(_ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.note, message, at: location)
    }

    /// `file:line:col: severity: message` (one line, notes not included).
    public var description: String {
        if let location {
            return "\(location): \(severity.rawValue): \(message)"
        }
        return "\(severity.rawValue): \(message)"
    }
}

/// Collects diagnostics; a run reports all of them, not just the first.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public mutating func append(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    /// Sorted by file, then position; diagnostics without a place first. Stable for equal places.
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            switch (la, lb) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                if x.file != y.file { return x.file < y.file }
                if x.position != y.position { return x.position < y.position }
                return a.offset < b.offset
            }
        }.map(\.element)
    }
}
