import ArgumentParser
import VeoManifest
import VeoSupport
import VeoViews
import VeoWorkspace

/// The workspace from the command line: loading (diagnostics printed), notices and errors as
/// text, errors as exit codes. Shared by `plan` and `run`.
enum WorkspaceCLI {
    /// Loads the manifest, prints its diagnostics (and, with `ci`, its GitHub annotations and a
    /// JUnit file when it is invalid) and resolves the workspace.
    static func open(_ settings: Workspace.Settings, ci: CIOutputOptions? = nil) throws -> Workspace {
        let loaded = Workspace.load(settings.manifestPath)
        DiagnosticRenderer.printToStderr(loaded)
        ci?.emitGitHub(annotations: loaded.diagnostics.compactMap(GitHubActions.annotation), summary: nil)
        do {
            return try Workspace(settings, loaded: loaded)
        } catch {
            if case .invalidManifest = error {
                try ci?.writeJUnit(JUnitReport.xml(forValidation: [(settings.manifestPath, loaded.diagnostics, nil)]))
            }
            throw exit(for: error)
        }
    }

    /// Prints what the error says and returns the exit status it means.
    static func exit(for error: WorkspaceError) -> ExitCode {
        switch error {
        case .invalidManifest:
            return Exit.invalidManifest
        case .usage(let lines):
            for line in lines { Terminal.writeStderr(line + "\n") }
            return Exit.usage
        case .cannotWrite(let message):
            Terminal.writeStderr("error: \(message)\n")
            return Exit.cannotWrite
        case .failed(let message):
            Terminal.writeStderr("error: \(message)\n")
            return Exit.failed
        }
    }

    /// A notice on stderr (`info` not with `quiet`).
    static func print(_ notice: Workspace.Notice, quiet: Bool = false) {
        switch notice {
        case .info(let text): if !quiet { Terminal.writeStderr(text + "\n") }
        case .note(let text): Terminal.writeStderr("note: \(text)\n")
        case .warning(let text): Terminal.writeStderr("warning: \(text)\n")
        case .error(let text): Terminal.writeStderr("error: \(text)\n")
        }
    }
}
