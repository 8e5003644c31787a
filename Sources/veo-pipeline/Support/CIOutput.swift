import ArgumentParser
import Foundation
import VeoManifest
import VeoReport
import VeoRunner
import VeoSupport
import VeoViews

/// Outputs for CI systems, shared by `validate`, `plan`, `run` and `report`.
struct CIOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Also write JUnit XML to this file (GitLab, Jenkins, GitHub test reporters).", valueName: "file"))
    var junit: String?

    @Flag(help: "GitHub Actions output: annotations at the manifest's lines, a step summary (on by itself when GITHUB_ACTIONS=true).")
    var github = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var githubActive: Bool { github || GitHubActions.isActive(environment) }

    /// Writes the JUnit file, if asked; a file that cannot be written is an error (exit 73).
    func writeJUnit(_ xml: String) throws {
        guard let junit else { return }
        do {
            try AtomicFile.write(Array(xml.utf8), to: FilePaths.resolve(junit, against: FileManager.default.currentDirectoryPath))
        } catch {
            Terminal.writeStderr("error: cannot write the JUnit file: \(error)\n")
            throw Exit.cannotWrite
        }
    }

    /// Annotations to stdout and Markdown to `$GITHUB_STEP_SUMMARY`, when GitHub output is on.
    func emitGitHub(annotations: [GitHubActions.Annotation], summary: String?, groups: String? = nil) {
        guard githubActive else { return }
        if let groups { Terminal.writeStdout(groups) }
        Terminal.writeStdout(GitHubActions.commands(annotations))
        guard let summary, let path = environment["GITHUB_STEP_SUMMARY"], !path.isEmpty else { return }
        do {
            try GitHubActions.appendSummary(summary, to: path)
        } catch {
            Terminal.writeStderr("warning: cannot write the step summary: \(error)\n")
        }
    }

    /// Everything CI reads about a finished run.
    func finish(_ report: RunReport, outDirectory: String, verbose: Bool) throws {
        try writeJUnit(JUnitReport.xml(for: report, outDirectory: outDirectory))
        let sheet = outDirectory + "/" + RunViews.contactSheetName
        emitGitHub(
            annotations: GitHubActions.annotations(for: report),
            summary: StepSummary.markdown(for: report, contactSheet: FileManager.default.fileExists(atPath: sheet) ? sheet : nil),
            groups: verbose ? GitHubActions.groups(for: report) : nil)
    }
}

extension Diagnostic {
    /// A warning counted as an error (`--strict`).
    var strict: Diagnostic {
        guard severity == .warning else { return self }
        var copy = self
        copy.severity = .error
        return copy
    }
}
