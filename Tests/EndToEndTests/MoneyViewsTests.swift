import Foundation
import Testing
import VeoRunner

/// Issue 23, "one home for money": with prices overridden, report.json, the contact sheet, the
/// JUnit properties, the step summary and the terminal summary say the same figures per job and in
/// total (the views used to price every job at list prices), and `report` rewrites them the same.
@Suite struct MoneyViewsTests {
    static let shots = manifestYAML(name: "money", """
          - {id: a, prompt: E2E money four seconds}
          - {id: b, prompt: E2E money eight seconds, seconds: 8}
          - {id: c, prompt: E2E money standard, model: veo-3.1-generate-preview}
        """)

    /// What every view must say.
    struct Expected {
        var perJob: [String: String]
        var committed: String
        var left: String
        var source: String
    }

    @Test func aPriceFileWithNonListPricesShowsTheSameFiguresEverywhere() async throws {
        try await Harness.with { h in
            try h.writeManifest(Self.shots.replacingOccurrences(of: "shots:\n", with: "budget:\n  max_usd: 20\nshots:\n"))
            // Twice the list prices.
            let prices = h.directory + "/double.json"
            try #"{"currency": "USD", "rates": {"veo-3.1-generate-preview": {"720p": 0.8, "1080p": 0.8}, "veo-3.1-fast-generate-preview": {"720p": 0.2, "1080p": 0.24}}}"#
                .write(toFile: prices, atomically: true, encoding: .utf8)
            let expected = Expected(
                perJob: ["a": "0.80 USD", "b": "1.60 USD", "c": "3.20 USD"], committed: "5.60 USD", left: "14.40 USD", source: prices)
            try await Self.expectSameFiguresEverywhere(h, extra: ["--prices", prices], expected)
        }
    }

    @Test func aManifestPricesBlockInEUROShowsTheSameFiguresEverywhere() async throws {
        try await Harness.with { h in
            let block = """
                prices:
                  currency: EUR
                  veo-3.1-generate-preview: {720p: 0.5, 1080p: 0.5}
                  veo-3.1-fast-generate-preview: {720p: 0.15, 1080p: 0.2}
                shots:

                """
            try h.writeManifest(Self.shots.replacingOccurrences(of: "shots:\n", with: block))
            let expected = Expected(
                perJob: ["a": "0.60 EUR", "b": "1.20 EUR", "c": "2.00 EUR"], committed: "3.80 EUR", left: "6.20 EUR",
                source: "\(h.manifest):")
            try await Self.expectSameFiguresEverywhere(h, extra: ["--max-cost", "10 EUR"], expected)
            // A USD budget against EUR prices is refused, before anything is sent.
            let refused = try await h.run(["--max-cost", "10", "--force"])
            #expect(refused.code == 64 && refused.stderr.contains("the budget is in USD"), "\(refused)")
            #expect(refused.stderr.contains("the prices are in EUR"), "\(refused)")
        }
    }

    static func expectSameFiguresEverywhere(_ h: Harness, extra: [String], _ expected: Expected) async throws {
        let (junit, summary) = (h.directory + "/junit.xml", h.directory + "/summary.md")
        let env = Harness.environment(key: h.key, extra: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        let run = try await h.cli(h.runArguments(extra + ["--junit", junit]), environment: env)
        #expect(run.code == 0, "\(run)")
        let report = try await h.report()
        for (job, money) in expected.perJob { #expect(report.job(job)?.cost?.money.description == money, "report.json, \(job)") }
        let cost = try #require(report.summary.cost)
        #expect(cost.money(cost.spent).description == expected.committed && cost.remaining.map { cost.money($0).description } == expected.left)
        #expect(cost.prices.hasPrefix(expected.source), "\(cost.prices)")
        // The terminal's summary line.
        #expect(run.stdout.contains("Cost (estimate): \(expected.committed) committed by this run"), "\(run)")
        #expect(run.stdout.contains("budget left \(expected.left)") && !run.stdout.contains("list prices"), "\(run)")
        try expectViews(h, junit: junit, summary: summary, expected)
        // `report` writes the views again from report.json alone: the same figures.
        for file in [junit, summary, h.out + "/index.html"] { try FileManager.default.removeItem(atPath: file) }
        let rewritten = try await h.cli(["report", h.out, "--junit", junit], environment: env)
        #expect(rewritten.code == 0, "\(rewritten)")
        try expectViews(h, junit: junit, summary: summary, expected)
    }

    /// The contact sheet, JUnit and the step summary, job by job and in total.
    static func expectViews(_ h: Harness, junit: String, summary: String, _ expected: Expected) throws {
        let html = try String(contentsOfFile: h.out + "/index.html", encoding: .utf8)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        let markdown = try String(contentsOfFile: summary, encoding: .utf8)
        for (job, money) in expected.perJob {
            let card = try #require(chunk(html, from: "id=\"job-\(job)\"", to: "</article>"), "no card for \(job)")
            #expect(card.contains("Cost (estimate)</dt><dd>\(money)</dd>"), "index.html, \(job): \(card)")
            let testcase = try #require(chunk(xml, from: "name=\"\(job)\"", to: "</testcase>"), "no test case for \(job)")
            #expect(testcase.contains("<property name=\"estimated_cost\" value=\"\(money)\"/>"), "junit, \(job): \(testcase)")
            let amount = String(money.prefix { $0 != " " })
            #expect(markdown.contains("| \(job) | succeeded |") && markdown.contains("| \(amount) | clips/\(job).mp4 |"), "summary, \(job): \(markdown)")
        }
        let currency = String(expected.committed.suffix(3))
        #expect(html.contains("Committed by this run (estimate)</dt><dd>\(expected.committed)</dd>"), "\(html)")
        #expect(html.contains("Budget left (estimate)</dt><dd>\(expected.left)</dd>"))
        #expect(xml.contains("<property name=\"committed_by_this_run\" value=\"\(expected.committed)\"/>"), "\(xml)")
        #expect(xml.contains("<property name=\"budget_left\" value=\"\(expected.left)\"/>"))
        #expect(markdown.contains("\(expected.committed) committed by this run") && markdown.contains("budget left \(expected.left)"), "\(markdown)")
        #expect(markdown.contains("estimated cost (\(currency))"))
        for text in [html, xml, markdown] { #expect(!text.contains("list prices")) }
    }

    static func chunk(_ text: String, from start: String, to end: String) -> String? {
        guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else { return nil }
        return String(text[a.lowerBound..<b.upperBound])
    }
}
