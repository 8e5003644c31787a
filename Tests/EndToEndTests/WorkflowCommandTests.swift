import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// Under GitHub Actions a line of a step's stdout or stderr is a workflow command when it starts
/// with `::` (after spaces), and so is `##[...]` anywhere in a line. Nothing from a manifest, a
/// server or a file name may be read as one; only the tool's own annotations and groups are
/// (issue 24, item 7).
@Suite struct WorkflowCommandTests {
    static let github = ["GITHUB_ACTIONS": "true"]

    /// The lines a GitHub runner would act on, but the tool's own commands.
    static func forged(_ result: CLIResult) -> [String] {
        let lines = (result.stdout + "\n" + result.stderr).split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        let own = ["::error file=", "::warning file=", "::notice title=veo-pipeline::", "::group::", "::endgroup::"]
        return lines.map(String.init).filter { line in
            let start = line.drop { $0.isWhitespace || $0.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control } }
            if line.contains("##[") { return true }
            return start.hasPrefix("::") && !own.contains { line.hasPrefix($0) }
        }
    }

    @Test func validateEchoesAForgedSourceLineAndAForgedFileNameInertly() async throws {
        try await Harness.with { h in
            let file = h.directory + "/::error::x.yaml"
            try "version: 1\n::warning file=shots.yaml,line=1::forged: 1\nshots: []\n##[error]also: 2\n".write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await h.cli(["validate", file], environment: Harness.environment(key: nil, extra: Self.github))
            #expect(result.code == 65, "\(result)")
            #expect(result.stderr.contains("forged"), "the line is still shown: \(result)")
            #expect(Self.forged(result).isEmpty, "\(Self.forged(result))\n\(result)")
            // The tool's own annotations are still commands.
            #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("::error file=") }, "\(result)")
        }
    }

    @Test func aFileNameWithEscapeSequencesIsPrintedEscapedInEveryMode() async throws {
        try await Harness.with { h in
            let file = h.directory + "/\u{1B}]0;pwned\u{07}\u{1B}[2J.yaml"
            try "version: 1\nshots: []\nbogus: 1\n".write(toFile: file, atomically: true, encoding: .utf8)
            for extra in [[:], Self.github] {
                let result = try await h.cli(["validate", file], environment: Harness.environment(key: nil, extra: extra))
                #expect(result.code == 65, "\(result)")
                #expect(!result.stderr.contains("\u{1B}") && !result.stdout.contains("\u{1B}") && !result.stderr.contains("\u{07}"), "\(result.stderr.debugDescription)")
                #expect(result.stderr.contains("\\u{1B}]0;pwned"), "\(result.stderr.debugDescription)")
            }
        }
    }

    @Test func aVerboseRunKeepsPromptsAndProviderTextInert() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["##[error]forged by the provider"]
        faults.failCode = "##[warning]code"
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(manifestYAML(name: "forge", """
                  - id: calm
                    prompt: |
                      A calm sea
                      ::stop-commands::tok
                        ::error file=x.yaml::forged in a prompt
                  - id: doomed
                    prompt: "E2E ##[error]forged by the provider"
                """))
            let result = try await h.cli(h.runArguments(["--verbose"]), environment: Harness.environment(key: h.key, extra: Self.github))
            #expect(result.code == 1, "\(result)")
            #expect(Self.forged(result).isEmpty, "\(Self.forged(result))")
            #expect(result.stdout.contains("::group::calm"), "the groups are still printed: \(result)")
            #expect(result.stdout.contains("%3A:stop-commands::tok"), "the prompt is shown, escaped: \(result)")
        }
    }

    @Test func planShowsAReferenceURLInertly() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML(name: "urls", """
                  - {id: a, prompt: p, references: ["https://example.com/##[error]x.png"]}
                """))
            let result = try await h.cli(
                ["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL], environment: Harness.environment(key: nil, extra: Self.github))
            #expect(result.code == 0, "\(result)")
            #expect(result.stdout.contains("example.com"), "\(result)")
            #expect(Self.forged(result).isEmpty, "\(Self.forged(result))")
        }
    }
}
