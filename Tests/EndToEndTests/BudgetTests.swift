import Foundation
import Testing
import VeoEmulator
import VeoRunner

/// Money (issue 15): a budget enforced before spending, and the cost on record.
@Suite struct BudgetTests {
    static func shots(_ count: Int, prefix: String = "E2E budget") -> String {
        manifestYAML((1...count).map { "  - {id: s\($0), prompt: \(prefix) \($0)}" }.joined(separator: "\n"))
    }

    @Test func overBudgetRefusesToStartAndSubmitsNothing() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.shots(3))
            let result = try await h.run(["--max-cost", "0.5"])
            #expect(result.code == 3, "\(result)")
            #expect(result.stderr.contains("would cost an estimated 1.20 USD"), "\(result)")
            #expect(result.stderr.contains("the budget has 0.50 USD left (--max-cost 0.50 USD for this run)"), "\(result)")
            #expect(result.stderr.contains("s1  0.40 USD (4 s)"), "\(result)")
            #expect(await h.record().createAttemptCount == 0)
        }
    }

    /// Issue 24, item 20: a refusal in CI still writes the report (not_started, with the figures),
    /// the page, the JUnit file, the step summary and an annotation, so the publish step has them.
    @Test func anOverBudgetRefusalInCILeavesEverythingToPublish() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.shots(3))
            let (junit, summary) = (h.directory + "/junit.xml", h.directory + "/summary.md")
            let env = Harness.environment(key: h.key, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
            let result = try await h.cli(h.runArguments(["--max-cost", "0.5", "--junit", junit]), environment: env)
            #expect(result.code == 3, "\(result)")
            #expect(result.stdout.contains("::error file=\(h.manifest),title=veo-pipeline%3A run not started::not started: the jobs to render would cost an estimated 1.20 USD"), "\(result)")
            let report = try await h.report()
            #expect(report.status == "not_started" && report.notStartedBecause?.contains("0.50 USD left") == true)
            #expect(report.summary.cost?.remainingUSD == 0.5 && report.jobs.allSatisfy { $0.status == "skipped" })
            #expect(FileManager.default.fileExists(atPath: h.out + "/index.html"))
            #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("value=\"not_started\""))
            #expect(try String(contentsOfFile: summary, encoding: .utf8).contains("**Not started:** not started: the jobs to render would cost"))
            #expect(await h.record().createAttemptCount == 0)
        }
    }

    /// Issue 24, item 19: `plan --render-what-fits` shows the choice a run makes (a cut's jobs first).
    @Test func planRenderWhatFitsShowsWhatARunWouldRender() async throws {
        try await Harness.with { h in
            let shots = (1...3).map { "  - {id: s\($0), prompt: E2E fits \($0)}" }.joined(separator: "\n")
            let yaml = manifestYAML(shots + "\ncuts:\n  - {id: film, clips: [s3]}")
            try h.writeManifest(yaml.replacingOccurrences(of: "shots:\n", with: "budget:\n  max_usd: 0.5\nshots:\n"))
            let plan = try await h.cli(["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL, "--render-what-fits"], environment: Harness.environment(key: nil))
            #expect(plan.code == 0, "\(plan)")
            #expect(plan.stderr.contains("With --render-what-fits a run would render 1 job for an estimated 0.40 USD (4 s) and skip 2 that do not fit: s1, s2"), "\(plan)")
            let refused = try await h.cli(["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL], environment: Harness.environment(key: nil))
            #expect(refused.code == 3, "\(refused)")
        }
    }

    @Test func renderWhatFitsSubmitsExactlyWhatFitsEvenAtHighConcurrency() async throws {
        try await Harness.with(renderSeconds: 0.2) { h in
            try h.writeManifest(Self.shots(40))
            // 0.40 USD a job: 2.00 USD fits exactly five.
            let result = try await h.run(["--max-cost", "2.0", "--render-what-fits", "--concurrency", "16"], timeout: 120)
            #expect(result.code == 3, "\(result)")
            #expect(await h.record().createCount == 5)
            let report = try await h.report()
            #expect(report.summary.succeeded == 5)
            #expect(report.jobs.count { $0.skippedBecause?.hasPrefix("over budget") == true } == 35)
            #expect(report.summary.cost?.spentUSD == 2.0)
            #expect(report.summary.cost?.remainingUSD == 0)
        }
    }

    @Test func aCachedRerunSpendsNothingAndTheFolderKeepsItsTotal() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.shots(2))
            #expect(try await h.run().code == 0)
            #expect(try await h.report().summary.cost?.spentUSD == 0.8)
            #expect(try await h.run(["--max-cost", "0"]).code == 0)  // all cached: nothing to spend
            let again = try await h.report()
            #expect(again.summary.cost?.spentUSD == 0)
            #expect(again.summary.cost?.spentTotalUSD == 0.8)
            #expect(again.summary.cost?.savedByCacheUSD == 0.8)
            #expect(again.jobs.allSatisfy { $0.cost?.charged == false && $0.cost?.estimatedUSD == 0.4 })
        }
    }

    @Test func aKilledRunsSpendingCountsWhenItResumes() async throws {
        try await Harness.with(renderSeconds: 3) { h in
            try h.writeManifest(Self.shots(2))
            let process = try h.start()
            #expect(await eventually(timeout: 20) { h.journalCount("submitted") >= 2 })
            process.signal(SIGKILL)
            _ = await process.wait()
            let resumed = try await h.run()
            #expect(resumed.code == 0, "\(resumed)")
            let report = try await h.report()
            #expect(report.summary.cost?.spentUSD == 0, "resumed jobs are not paid again")
            #expect(report.summary.cost?.spentTotalUSD == 0.8)
            #expect(report.jobs.allSatisfy { $0.cost?.charged == true })
            #expect(await h.record().createCount == 2)
        }
    }

    /// The limits themselves are checked in-process (`WorkspaceTests`); here a run within both,
    /// and `plan` counting what it spent against the manifest's budget.
    @Test func aRunWithinBothLimitsRunsAndPlanCountsItsSpending() async throws {
        try await Harness.with { h in
            let shots = (1...3).map { "  - {id: s\($0), prompt: E2E both limits \($0)}" }.joined(separator: "\n")
            try h.writeManifest(manifestYAML(shots).replacingOccurrences(of: "shots:\n", with: "budget:\n  max_usd: 10\nshots:\n"))
            #expect(try await h.run(["--max-cost", "2"]).code == 0)
            let plan = try await h.cli(["plan", h.manifest, "--out", h.out, "--base-url", h.baseURL], environment: Harness.environment(key: nil))
            #expect(plan.code == 0 && plan.stderr.contains("Budget: 1.20 USD spent"), "\(plan)")
            #expect(await h.record().createCount == 3)
        }
    }

    struct PTYResult: Decodable { var code: Int; var output: String; var answered: Bool }

    func onTerminal(_ h: Harness, answer: String, extra: [String] = []) async throws -> PTYResult {
        let command = [Package.binary] + h.runArguments(["--confirm-above", "0.5"] + extra)
        // A shell puts the harness's environment around the command, without CI=true (a person's terminal).
        var env = Harness.environment(key: h.key)
        env["CI"] = nil
        let assignments = env.map { "\($0.key)=\($0.value)" }
        let r = try await Tools.run("/usr/bin/env", ["-i"] + assignments + ["python3", Package.root + "/scripts/test-support/pty_run.py", "Go ahead?", answer, "60", "--"] + command)
        return try JSONDecoder().decode(PTYResult.self, from: r.data)
    }

    @Test func onATerminalTheRunAsksBeforeSpending() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.shots(2))
            let no = try await onTerminal(h, answer: "n")
            #expect(no.answered && no.code == 3, "\(no)")
            #expect(no.output.contains("would submit 2 jobs for an estimated 0.80 USD"), "\(no)")
            #expect(await h.record().createAttemptCount == 0)
            let yes = try await onTerminal(h, answer: "y")
            #expect(yes.answered && yes.code == 0, "\(yes)")
            #expect(await h.record().createCount == 2)
            try h.writeManifest(Self.shots(2, prefix: "E2E budget again"))
            let flagged = try await onTerminal(h, answer: "", extra: ["--yes"])
            #expect(flagged.code == 0 && !flagged.output.contains("Go ahead?"), "\(flagged)")
        }
    }
}
