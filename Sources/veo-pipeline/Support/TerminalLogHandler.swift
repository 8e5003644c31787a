import Foundation
import Logging
import VeoSupport

/// Log lines (`run --verbose`, the emulator's warnings) as the rest of the tool prints: through
/// `Terminal.writeStderr`, so a closed stderr stops them instead of the run, a server's text in a
/// message or in metadata (a URL, a refusal's reason) is escaped for the terminal, and in GitHub
/// Actions no such text reads as a workflow command.
struct TerminalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.keys.sorted().map { "\($0)=\(all[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
        let text = "\(ProgressPrinter.stamp(Date())) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)"
        Terminal.writeStderr(TerminalText.escaped(text) + "\n")
    }
}
