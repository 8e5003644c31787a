import ArgumentParser
import Foundation
import VeoSupport
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoViews

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

    /// In GitHub Actions, a line the tool prints is read as a workflow command when it looks like
    /// one: every text printed is made inert there (`GitHubActions.neutralised`), but the tool's
    /// own commands (`writeCommands`).
    static let guardsWorkflowCommands = GitHubActions.isActive(ProcessInfo.processInfo.environment)

    /// Text to stdout. A reader that went away means "stop printing", never a crash (`OutputChannel`).
    static func writeStdout(_ text: String) {
        OutputChannel.standardOutput.write(guardsWorkflowCommands ? GitHubActions.neutralised(text) : text)
    }

    static func writeStderr(_ text: String) {
        OutputChannel.standardError.write(guardsWorkflowCommands ? GitHubActions.neutralised(text) : text)
    }

    /// The tool's own workflow commands (annotations, groups), written as they are: every free
    /// text in them is escaped where they are made (`GitHubActions`).
    static func writeCommands(_ text: String) {
        OutputChannel.standardOutput.write(text)
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
    /// The price file at `path`, or its problems printed (`file: error: key.path: message`) and exit 64.
    static func loadOrExit(_ path: String) throws -> PriceTable {
        switch PriceFile.load(path: path) {
        case .success(let table):
            return table
        case .failure(let failure):
            let problems = failure.all
            let shown = TerminalText.escaped(path)
            for problem in problems { Terminal.writeStderr("\(shown): error: \(TerminalText.escaped(problem.description))\n") }
            Terminal.writeStderr("error: the price file \(shown) is not usable (\(problems.count) problem\(problems.count == 1 ? "" : "s"))\n")
            throw Exit.usage
        }
    }
}
