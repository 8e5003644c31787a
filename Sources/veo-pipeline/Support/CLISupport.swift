import ArgumentParser
import Foundation
import VeoSupport
import VeoClient
import VeoManifest
import VeoMoney
import VeoProvider
import VeoRunner

/// Exit codes, as documented in README.
enum Exit {
    static let failed = ExitCode(1)
    /// Over budget: the run would spend more than its budget allows (or the estimate was declined).
    static let overBudget = ExitCode(3)
    /// EX_USAGE: bad flags.
    static let usage = ExitCode(64)
    /// EX_DATAERR: the manifest is invalid.
    static let invalidManifest = ExitCode(65)
    /// EX_CANTCREAT: the output folder cannot be created or written.
    static let cannotWrite = ExitCode(73)
    static let interrupted = ExitCode(130)
}

enum Terminal {
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour only on a terminal, and never when NO_COLOR is set or in CI.
    static func useColor(forStderr: Bool) -> Bool {
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"] != nil || env["CI"] == "true" || env["TERM"] == "dumb" { return false }
        return forStderr ? stderrIsTerminal : stdoutIsTerminal
    }

    static func writeStdout(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// `run --poll-planning`: ``PollPlanning`` by name.
enum PollPlanningOption: String, ExpressibleByArgument, CaseIterable {
    case plain
    case learned

    var planning: PollPlanning { self == .plain ? .plain : .learned }
}

enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case dot
}

extension DiagnosticRenderer {
    /// Prints diagnostics to stderr, as a compiler does.
    static func printToStderr(_ result: ManifestLoadResult) {
        let renderer = DiagnosticRenderer(sources: result.sources, useColor: Terminal.useColor(forStderr: true))
        Terminal.writeStderr(renderer.render(result.diagnostics))
    }
}

enum APISettings {
    /// The API server: the flag, else VEO_BASE_URL (when not empty), else the provider's server.
    static func baseURL(flag: String?) -> String {
        if let flag { return flag }
        if let env = ProcessInfo.processInfo.environment["VEO_BASE_URL"], !env.isEmpty { return env }
        return VideoAPIClientConfiguration.defaultBaseURL
    }
}

extension PriceTable {
    /// The price file at `path`, or its problems printed as a compiler prints them
    /// (`prices.json:3:42: error: …`, the line and a caret) and exit 64.
    static func loadOrExit(_ path: String) throws -> PriceTable {
        let loaded = PriceFile.load(path: path)
        let renderer = DiagnosticRenderer(sources: loaded.sources, useColor: Terminal.useColor(forStderr: true))
        Terminal.writeStderr(renderer.render(loaded.diagnostics))
        guard let table = loaded.table else {
            let problems = loaded.diagnostics.count { $0.severity == .error }
            Terminal.writeStderr("error: the price file \(TerminalText.escaped(path)) is not usable (\(problems) problem\(problems == 1 ? "" : "s"))\n")
            throw Exit.usage
        }
        return table
    }
}
