import ArgumentParser
import Foundation
import VeoSupport
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoWorkspace

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
        Workspace.baseURL(flag: flag, environment: ProcessInfo.processInfo.environment)
    }

    /// `--base-url` is an http(s) URL with a host.
    static func check(baseURL: String?) throws {
        guard let baseURL else { return }
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw ValidationError("--base-url must be an http(s) URL such as https://api.example.com")
        }
    }
}
