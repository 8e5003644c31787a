import ArgumentParser
import Foundation
import VeoClient
import VeoManifest
import VeoProvider
import VeoRunner
import VeoSupport
import VeoViews

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests and report every problem with its file:line:column.",
        discussion: """
            Parses each manifest with libyaml, checks every rule (fields, models, sizes and \
            seconds, images, frame references, variables, cycles) and prints all problems, not \
            just the first, like a compiler. Nothing is sent anywhere and nothing costs money.

            Exit status: 0 when every manifest is valid (warnings allowed), 65 when any has an \
            error, 64 on bad usage.

            In CI: --junit FILE writes one test case per manifest with its diagnostics; with \
            GITHUB_ACTIONS=true (or --github) every error and warning is also an annotation at its \
            line in the pull request (10 of each, then a count).

            Examples:
              veo-pipeline validate pipelines/demo.yaml
              veo-pipeline validate shots.yaml --junit validate.xml
              veo-pipeline validate shots/*.yaml
              veo-pipeline validate shots.yaml --format json   # for editors and CI
            """)

    @Argument(help: ArgumentHelp("Manifest files to check.", valueName: "file"))
    var files: [String]

    @Option(help: "Output format: text (diagnostics on stderr) or json (on stdout).")
    var format: OutputFormat = .text

    @OptionGroup(title: "CI outputs")
    var ci: CIOutputOptions

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one manifest file") }
    }

    /// `file: valid: N jobs`, or why it is not: errors, or (with --strict) warnings.
    private func printSummary(_ result: ManifestLoadResult, file: String) {
        let errors = result.diagnostics.count { $0.severity == .error }
        let warnings = result.diagnostics.count { $0.severity == .warning }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        let file = TerminalText.escaped(file)
        guard result.isValid, let plan = result.plan else {
            Terminal.writeStderr("\(file): invalid: \(count(errors, "error"))\n")
            return
        }
        if strict && warnings > 0 {
            Terminal.writeStderr("\(file): invalid with --strict: \(count(warnings, "warning")) (warnings count as errors)\n")
        } else {
            Terminal.writeStdout("\(file): valid: \(count(plan.jobs.count, "job"))" + (warnings > 0 ? ", \(count(warnings, "warning"))" : "") + "\n")
        }
    }

    func run() async throws {
        let images = ImageFileChecker()
        var all: [Diagnostic] = []
        var invalid = false
        // Kept until the process exits: freeing a large plan piece by piece only to exit afterwards
        // took several milliseconds (compilers skip that step the same way).
        var loaded: [ManifestLoadResult] = []
        for file in files {
            let result = ManifestLoader.load(file: file, images: images)
            loaded.append(result)
            all += result.diagnostics
            if !result.isValid || (strict && result.diagnostics.contains { $0.severity == .warning }) { invalid = true }
            switch format {
            case .text:
                DiagnosticRenderer.printToStderr(result)
                printSummary(result, file: file)
            case .json:
                break
            }
        }
        if format == .json {
            Terminal.writeStdout(String(decoding: DiagnosticRenderer.json(all, files: files), as: UTF8.self) + "\n")
        }
        // With --strict, warnings fail the check: CI sees them as errors too.
        try ci.writeJUnit(JUnitReport.xml(forValidation: loaded.map { result in
            (result.file, strict ? result.diagnostics.map(\.strict) : result.diagnostics, result.plan?.jobs.count)
        }))
        ci.emitGitHub(annotations: all.compactMap(GitHubActions.annotation), summary: nil)
        withExtendedLifetime(loaded) {
            Foundation.exit(invalid ? Exit.invalidManifest.rawValue : 0)
        }
    }
}
