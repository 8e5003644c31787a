import Foundation
import Testing
import VeoEmulator
import VeoRunner
import VeoViews

/// CI outputs (issue 13): JUnit read by an independent reader, GitHub annotations and summary,
/// `plan --detailed-exitcode`.
@Suite struct CIOutputTests {
    struct JUnit: Decodable {
        struct Suite: Decodable {
            var name: String
            var tests: Int
            var failures: Int
            var errors: Int
            var skipped: Int
            var cases: [Case]
        }
        struct Case: Decodable {
            var classname: String?
            var name: String
            var time: Double?
            var result: [String]
            var messages: [String?]
            var properties: [String: String]
            var system_out: String?
            var file: String?
            var line: String?
        }
        var suites: [Suite]
    }

    static func read(_ path: String) async throws -> JUnit {
        let result = try await Tools.run("python3", [Package.root + "/scripts/ci/read_junit.py", path])
        try #require(result.status == 0, "junitparser could not read \(path) (pip install junitparser):\n\(result.output)")
        return try JSONDecoder().decode(JUnit.self, from: result.data)
    }

    static let manifest = manifestYAML(name: "ci-run", """
          - {id: amb, prompt: E2E answer lost, seconds: 8}
          - {id: ok, prompt: E2E fine}
          - {id: doomed, prompt: E2E DOOMED}
          - id: after
            prompt: E2E waits for doomed
            first_frame: {shot: doomed, frame: last}
        """)

    @Test func aRunWithAFailedASkippedACachedAndAnAmbiguousJobWritesJUnitAndGitHubOutput() async throws {
        var faults = FaultPlan()
        faults.failPromptsContaining = ["DOOMED"]
        // The first create is taken, its answer lost: amb's, at concurrency 1, as amb has as much
        // work behind it (8 s) as doomed and its dependent (4 + 4 s) and comes first in the plan.
        faults.loseCreateResponses = 1
        try await Harness.with(faults: faults) { h in
            try h.writeManifest(Self.manifest)
            #expect(try await h.run(["--concurrency", "1"]).code == 1)
            let summary = h.directory + "/summary.md"
            let junit = h.directory + "/junit.xml"
            let env = Harness.environment(key: h.key, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
            let result = try await h.cli(h.runArguments(["--concurrency", "1", "--junit", junit]), environment: env)
            #expect(result.code == 1, "\(result)")

            let suite = try #require(try await Self.read(junit).suites.first)
            #expect(suite.name == "ci-run")
            #expect((suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 1), "\(suite)")
            let cases = Dictionary(uniqueKeysWithValues: suite.cases.map { ($0.name, $0) })
            #expect(cases["doomed"]?.result == ["failure"])
            #expect(cases["amb"]?.result == ["error"])
            #expect(cases["after"]?.result == ["skipped"])
            #expect(cases["after"]?.messages.first??.contains("upstream job 'doomed' failed") == true)
            #expect(cases["ok"]?.result == [])
            #expect(cases["ok"]?.classname == "ci-run.ok")
            #expect(cases["ok"]?.properties["cached"] == "true")
            #expect(cases["ok"]?.properties["video_id"]?.hasPrefix("video_") == true)
            #expect(cases["ok"]?.system_out?.contains("[[ATTACHMENT|\(h.out)/clips/ok.mp4]]") == true)
            #expect(cases["doomed"]?.file == h.manifest && cases["doomed"]?.line == "10")

            // One annotation per failed job, at its line, escaped as GitHub requires.
            let annotations = result.stdout.split(separator: "\n").filter { $0.hasPrefix("::error ") }
            #expect(annotations.count == 2, "\(result.stdout)")
            #expect(annotations.contains { $0.hasPrefix("::error file=\(h.manifest),line=10,col=5,title=veo-pipeline%3A job doomed failed (generation_failed)::") })
            let text = try String(contentsOfFile: summary, encoding: .utf8)
            #expect(text.contains("## veo-pipeline: ci-run — run failed"))
            #expect(text.contains("| doomed | failed | 4 | 0.40 | `generation_failed`:"))
            #expect(text.contains("| ok | cached | 4 | 0.40 |"))
            #expect(text.contains("Contact sheet: `\(h.out)/index.html`"))
        }
    }

    @Test func thirtyErrorsGiveTenAnnotationsAndANotice() async throws {
        try await Harness.with { h in
            let shots = (1...30).map { "  - {id: s\($0), prompt: p, seconds: \($0 + 10)}" }.joined(separator: "\n")
            let file = h.directory + "/with, odd: name.yaml"
            try manifestYAML(shots).write(toFile: file, atomically: true, encoding: .utf8)
            let junit = h.directory + "/validate.xml"
            let result = try await h.cli(["validate", file, "--junit", junit], environment: Harness.environment(key: nil, extra: ["GITHUB_ACTIONS": "true"]))
            #expect(result.code == 65, "\(result)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count { $0.hasPrefix("::error ") } == 10, "\(result.stdout)")
            #expect(lines.filter { $0.hasPrefix("::notice ") } == ["::notice title=veo-pipeline::20 more errors not shown as annotations (GitHub shows 10 of each per step); see the log"])
            // Properties escape ',' and ':'; the message escapes '%' (none here) and keeps the text.
            #expect(lines.first?.hasPrefix("::error file=\(h.directory.replacingOccurrences(of: ":", with: "%3A"))/with%2C odd%3A name.yaml,line=8,col=") == true, "\(lines.first ?? "")")
            let suite = try #require(try await Self.read(junit).suites.first)
            #expect((suite.tests, suite.failures) == (1, 1))
            #expect(suite.cases.first?.messages.first??.hasPrefix("30 errors:") == true)
        }
    }

    @Test func messagesEscapePercentAndLineBreaks() {
        let line = GitHubActionsProbe.commands(message: "100% done\nnext line\r", title: "a:b,c")
        #expect(line == "::error file=f,line=1,col=2,title=a%3Ab%2Cc::100%25 done%0Anext line%0D\n")
    }

    @Test func detailedExitCodeSaysWhetherARunWouldRender() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E plan me}"))
            let env = Harness.environment(key: nil)
            let plan = ["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL, "--detailed-exitcode"]
            #expect(try await h.cli(plan, environment: env).code == 2)
            #expect(try await h.run().code == 0)
            let cached = try await h.cli(plan, environment: env)
            #expect(cached.code == 0, "\(cached)")
            try h.writeManifest(manifestYAML("  - {id: a, prompt: \"E2E plan me, edited\"}"))
            #expect(try await h.cli(plan, environment: env).code == 2)
            try h.writeManifest("version: 1\nshots: []\n")
            #expect(try await h.cli(plan, environment: env).code == 1)
            // The plan's summary for the pull request.
            let summary = h.directory + "/plan.md"
            try h.writeManifest(manifestYAML("  - {id: a, prompt: \"E2E plan me, edited\"}"))
            _ = try await h.cli(plan, environment: Harness.environment(key: nil, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]))
            let text = try String(contentsOfFile: summary, encoding: .utf8)
            #expect(text.contains("1 of 1 jobs would be rendered (0 cached)"), "\(text)")
            #expect(text.contains("| a | would render | fast | 1280x720 | 4 | 0.40 |"), "\(text)")
        }
    }
}

/// One annotation through the real escaping code.
enum GitHubActionsProbe {
    static func commands(message: String, title: String) -> String {
        GitHubActions.commands([.init(severity: .error, file: "f", line: 1, column: 2, title: title, message: message)])
    }
}
