/// Why a YAML file could not be loaded. Carries its place and, where useful, notes pointing elsewhere.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation?
    public var notes: [Diagnostic]

    public init(_ message: String, at location: SourceLocation?, notes: [Diagnostic] = []) {
        self.message = message
        self.location = location
        self.notes = notes
    }

    public var diagnostic: Diagnostic {
        .error(message, at: location, notes: notes)
    }

    public var description: String { diagnostic.description }
}
