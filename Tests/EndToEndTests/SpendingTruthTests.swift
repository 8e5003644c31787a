import Foundation
import Testing
import VeoMoney
import VeoRunner

/// Issue 24, items 6, 9 and 25: what the ledger counts is what was committed.
@Suite struct SpendingTruthTests {
    /// Item 6: a ledger line written as a string was skipped, so the run spent past its budget.
    @Test func aLedgerLineThatCannotBeCountedStopsTheRunBeforeAnyCreate() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E ledger guard}"))
            try FileManager.default.createDirectory(atPath: h.out, withIntermediateDirectories: true)
            let reserve = #"{"at":"2026-12-01T10:00:00Z","job":"x","key":"k","kind":"reserve","seconds":4,"usd":0.4}"#
            try (reserve + "\n" + reserve.replacingOccurrences(of: "0.4", with: "\"0.8\"") + "\n")
                .write(toFile: h.out + "/spending.jsonl", atomically: true, encoding: .utf8)
            let result = try await h.run(["--max-cost", "1.2"])
            #expect(result.code == 73, "\(result)")
            #expect(result.stderr.contains("\(h.out)/spending.jsonl:2: the spending ledger cannot be read"), "\(result)")
            #expect(result.stderr.contains("To repair it"), "\(result)")
            #expect(await h.record().createAttemptCount == 0)
        }
    }

    /// Items 9 and 25: connection refused on every attempt creates nothing, so it costs nothing:
    /// no job is charged, the ledger nets to zero, the summary says 0.00 committed, the next run's
    /// budget is whole; and the refusal is reported once for the run, not once per job.
    @Test func aServerThatCannotBeReachedCostsNothingAndIsSaidOnce() async throws {
        try await Harness.with { h in
            let yaml = manifestYAML("""
                  - {id: a, prompt: E2E nobody home 1}
                  - {id: b, prompt: E2E nobody home 2}
                  - {id: c, prompt: E2E nobody home 3}
                  - {id: d, prompt: E2E nobody home 4}
                """)
            // The folder's budget is exactly the four jobs.
            try h.writeManifest(yaml.replacingOccurrences(of: "shots:\n", with: "budget:\n  max_usd: 1.6\nshots:\n"))
            let env = Harness.environment(key: h.key)
            let result = try await h.cli(["run", h.manifest, "--base-url", "http://127.0.0.1:9", "--out", h.out, "--concurrency", "4"], environment: env)
            #expect(result.code == 1, "\(result)")
            let report = try await h.report()
            #expect(report.jobs.allSatisfy { $0.cost?.charged == false }, "\(report.jobs.map { ($0.id, $0.cost) })")
            #expect(report.summary.cost?.spent == .zero && report.summary.cost?.spentTotal == .zero)
            #expect(result.stdout.contains("Cost (estimate): 0.00 USD committed by this run"), "\(result)")
            #expect(try LedgerFile.read(path: h.out + "/spending.jsonl", currency: .usd).total == Spent())
            // Once for the run: one job carries the connection's message, the others point to it.
            #expect(report.jobs.count { $0.error?.code == "unreachable" } == 1, "\(report.jobs.map { ($0.id, $0.status, $0.error?.code) })")
            #expect(report.jobs.count { $0.skippedBecause?.contains("the server cannot be reached") == true } == 3)
            let said = (result.stdout + result.stderr).components(separatedBy: "connection refused").count - 1
            let perJob = (result.stdout + result.stderr).components(separatedBy: "cannot connect to").count - 1
            #expect(said == perJob && said <= 2, "\(result)")
            // The folder's budget was not consumed: plan and a run may still spend all of it.
            let plan = try await h.cli(
                ["plan", h.manifest, "--out", h.out, "--base-url", "http://127.0.0.1:9"], environment: Harness.environment(key: nil))
            #expect(plan.code == 0, "\(plan)")
            let again = try await h.run()
            #expect(again.code == 0, "\(again)")
        }
    }

    /// Item 13: `--max-cost -0` printed `-0.00 USD`; an absurd amount is refused.
    @Test func maxCostIsReadExactly() async throws {
        try await Harness.with { h in
            try h.writeManifest(manifestYAML("  - {id: a, prompt: E2E minus zero}"))
            let zero = try await h.run(["--max-cost", "-0"])
            #expect(zero.code == 3 && zero.stderr.contains("--max-cost 0.00 USD for this run") && !zero.stderr.contains("-0.00"), "\(zero)")
            let absurd = try await h.run(["--max-cost", "1e308"])
            #expect(absurd.code == 64, "\(absurd)")
            #expect(await h.record().createAttemptCount == 0)
        }
    }
}
