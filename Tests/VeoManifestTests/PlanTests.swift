import Foundation
import Testing

@testable import VeoManifest
import VeoMoney
import VeoProvider

@Suite("Plan")
struct PlanTests {
    static let tourJobs = [
        "savanna", "closeup", "from-url", "bridge", "hero/draft", "hero/draft#2", "hero/final", "hero/final#2", "epilogue", "poster",
        "sunrise/1280x720", "sunrise/720x1280",
    ]

    func tour() throws -> Plan {
        let result = ManifestLoader.load(file: Pipelines.tour)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        return try #require(result.plan)
    }

    @Test func pipelinesAreValidWithoutWarnings() {
        for file in [Pipelines.demo, Pipelines.tour] {
            let result = ManifestLoader.load(file: file)
            #expect(result.isValid, "\(file)")
            #expect(result.diagnostics.isEmpty, "\(file): \(result.diagnostics)")
        }
    }

    @Test func jobIDs() {
        #expect(PlannedJob.makeID(shot: "savanna", variant: nil, take: 1) == "savanna")
        #expect(PlannedJob.makeID(shot: "hero", variant: "final", take: 1) == "hero/final")
        #expect(PlannedJob.makeID(shot: "hero", variant: "final", take: 2) == "hero/final#2")
        #expect(PlannedJob.makeID(shot: "a", variant: nil, take: 3) == "a#3")
    }

    @Test func tourExpandsShotsTimesVariantsTimesTakes() throws {
        let plan = try tour()
        #expect(plan.name == "feature-tour")
        #expect(plan.jobs.map(\.id) == Self.tourJobs)
        let heroFinal2 = try #require(plan.job("hero/final#2"))
        #expect(heroFinal2.shot == "hero")
        #expect(heroFinal2.variant == "final")
        #expect(heroFinal2.take == 2)
        #expect(heroFinal2.request.model == .standard)
        #expect(heroFinal2.request.size == .landscape1080)
        #expect(heroFinal2.request.seconds.rawValue == 8)
        #expect(heroFinal2.request.prompt == "The lion roars in slow motion, dust in the backlight, cinematic, golden hour")
        let draft = try #require(plan.job("hero/draft"))
        #expect(draft.request.model == .fast)
        #expect(draft.request.size == .landscape720)
        #expect(draft.request.seconds.rawValue == 4)
        #expect(draft.request.prompt == "The lion roars, cinematic, golden hour")
        // Vars, defaults and the merge key.
        #expect(plan.job("savanna")?.request.prompt == "a lion walks through the golden savanna at sunset, cinematic, golden hour")
        let poster = try #require(plan.job("poster"))
        #expect(poster.request.size == .portrait720)
        #expect(poster.request.seconds.rawValue == 6)
        #expect(plan.job("hero/draft")?.position == Pos(line: 54, column: 9))
    }

    @Test func tourDependenciesFromFramesAndAfter() throws {
        let plan = try tour()
        #expect(plan.job("savanna")?.dependencies == [])
        #expect(plan.job("bridge")?.dependencies == ["savanna"])
        for hero in ["hero/draft", "hero/draft#2", "hero/final", "hero/final#2"] {
            #expect(plan.job(hero)?.dependencies == ["bridge"], "\(hero)")
        }
        #expect(plan.job("epilogue")?.dependencies == ["hero/final#2"])
        let bridge = try #require(plan.job("bridge"))
        #expect(bridge.request.inputs.map(\.role) == [.firstFrame, .lastFrame])
        #expect(bridge.request.inputs.first?.source == .frame(job: "savanna", frame: .last))
        let lastFrame = Paths.repo.appendingPathComponent("pipelines/assets/closeup-start.jpg").standardizedFileURL.path
        #expect(bridge.request.inputs.last?.source == .file(path: lastFrame, written: "assets/closeup-start.jpg"))
        #expect(plan.job("closeup")?.request.inputs.map(\.source.summary) == ["assets/lion.jpg", "assets/style-board.png"])
        #expect(plan.job("from-url")?.request.inputs.map(\.source) == [.url("https://example.com/lion-reference.jpg")])
        #expect(plan.dependents["bridge"]?.count == 4)
        #expect(plan.depth == 4)
    }

    @Test func orderIsTopologicalAndStable() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - id: late
                prompt: p
                first_frame: {shot: middle, frame: last}
              - id: free
                prompt: p
              - id: middle
                prompt: p
                after: [early]
              - id: early
                prompt: p
                takes: 2
            """)
        let plan = try #require(c.result.plan, "\(c.describe())")
        #expect(plan.jobs.map(\.id) == ["free", "early", "early#2", "middle", "late"])
        #expect(plan.job("middle")?.dependencies == ["early", "early#2"])
        // Every job comes after everything it depends on.
        var seen = Set<String>()
        for job in plan.jobs {
            #expect(job.dependencies.allSatisfy(seen.contains), "\(job.id)")
            seen.insert(job.id)
        }
        #expect(plan.depth == 3)
    }

    @Test func duplicateDependenciesAreMergedAndFramesComeFirst() throws {
        let c = ManifestCase("""
            version: 1
            shots:
              - {id: a, prompt: p}
              - id: b
                prompt: p
                first_frame: {shot: a, frame: last}
                last_frame: {shot: a, frame: first}
                after: [a, a]
            """)
        let plan = try #require(c.result.plan, "\(c.describe())")
        #expect(plan.job("b")?.dependencies == ["a"])
        #expect(plan.job("b")?.request.inputs.map(\.source.summary) == ["a:last", "a:first"])
    }

    @Test func tourTotalsAndEstimate() throws {
        let plan = try tour()
        #expect(plan.totalSeconds == 66)
        let estimate = PlanEstimate(jobs: plan.jobs, prices: .listPrices)
        #expect(estimate.jobs == 12)
        #expect(estimate.seconds == 66)
        #expect(estimate.currency == .usd)
        #expect(estimate.perModel.map(\.model) == [.standard, .fast])
        let standard = try #require(estimate.perModel.first { $0.model == .standard })
        #expect(standard.jobs == 2)
        #expect(standard.seconds == 16)
        #expect(standard.estimatedCost == Amount(micros: 6_400_000))
        let fast = try #require(estimate.perModel.first { $0.model == .fast })
        #expect(fast.jobs == 10)
        #expect(fast.seconds == 50)
        // 42 s at 720p × 0.10 + 8 s at 1080p (epilogue) × 0.12.
        #expect(fast.estimatedCost == Amount(micros: 5_160_000))
        #expect(estimate.estimatedCost == Amount(micros: 11_560_000))
    }

    @Test func priceTableOverride() throws {
        let plan = try tour()
        let eur = try #require(Currency(rawValue: "EUR"))
        // A table prices every model: one without a rate for a model is not a table.
        #expect(PriceTable(currency: eur, rates: [.fast: .init(p720: Amount(units: 1), p1080: Amount(units: 2))], source: "t") == nil)
        let table = try #require(PriceTable(
            currency: eur, rates: [.fast: .init(p720: Amount(units: 1), p1080: Amount(units: 2)), .standard: .init(p720: .zero, p1080: Amount(micros: 500_000))],
            source: "t"))
        let estimate = PlanEstimate(jobs: plan.jobs, prices: table)
        #expect(estimate.currency == eur)
        #expect(estimate.perModel.first { $0.model == .fast }?.estimatedCost == Amount(units: 58))
        #expect(estimate.estimatedCost == Amount(units: 66))

        // A USD price file overrides the models it names and keeps the others' list prices
        // (PriceFileTests has the rest of the price file's rules).
        let dir = TempDir()
        let path = dir.write("prices.json", #"{"currency": "USD", "rates": {"veo-3.1-generate-preview": {"720p": 1.0, "1080p": 1.5}}}"#)
        let loaded = try #require(PriceFile.load(path: path).table)
        #expect(loaded.currency == .usd)
        #expect(loaded.rate(model: .standard, size: .landscape1080) == Amount(micros: 1_500_000))
        #expect(loaded.rate(model: .standard, size: .portrait720) == Amount(units: 1))
        #expect(loaded.rate(model: .fast, size: .landscape720) == Amount(micros: 100_000))
        #expect(PriceFile.load(path: dir.write("bad.json", "{")).table == nil)
    }

    /// Issue 23: with prices overridden, `plan` and its JSON still said "an estimate from list prices".
    @Test func withPricesOverriddenThePlanSaysWhereThePricesCameFrom() throws {
        let plan = try tour()
        let rate = PriceTable.Rate(p720: Amount(units: 1), p1080: Amount(units: 1))
        let table = try #require(PriceTable(currency: .usd, rates: [.standard: rate, .fast: rate], source: "prices.json"))
        let renderer = PlanRenderer(plan: plan, prices: table)
        #expect(!renderer.table().contains("list prices") && renderer.table().contains("an estimate from prices.json"))
        #expect(renderer.table().contains("Estimated cost: 66.00 USD"))
        #expect(!String(decoding: renderer.json(), as: UTF8.self).contains("list prices"))
        #expect(PlanRenderer(plan: plan).table().contains("an estimate from list prices"))
    }

    @Test func tableShowsJobsAndTotalsLabelledAnEstimate() throws {
        let table = PlanRenderer(plan: try tour()).table()
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("JOB") == true)
        #expect(lines.first?.contains("DEPENDS ON") == true)
        let epilogue = try #require(lines.first { $0.hasPrefix("epilogue ") })
        #expect(epilogue.contains("fast"))
        #expect(epilogue.contains("1920x1080"))
        #expect(epilogue.contains("first=hero/final#2:last"))
        #expect(epilogue.hasSuffix("hero/final#2"))
        #expect(table.contains("12 jobs, 66 seconds of video, depth 4; 1 cut\n"))
        #expect(table.contains("trailer  1280x720  24   30       savanna, hero/final#2, bridge (fade 0.5 s), epilogue [0.5-7.5 s], sunrise/720x1280 (fade 0.5 s)\n"), "\(table)")
        #expect(table.contains("  veo-3.1-generate-preview: 2 jobs, 16 s, estimated 6.40 USD\n"))
        #expect(table.contains("  veo-3.1-fast-generate-preview: 10 jobs, 50 s, estimated 5.16 USD\n"))
        #expect(table.contains("Estimated cost: 11.56 USD (an estimate"))
    }

    @Test func dotContainsEveryEdge() throws {
        let dot = PlanRenderer(plan: try tour()).dot()
        #expect(dot.hasPrefix("digraph \"feature-tour\" {\n"))
        #expect(dot.hasSuffix("}\n"))
        #expect(dot.contains("  \"savanna\" -> \"bridge\" [label=\"last frame → first_frame\"];\n"))
        #expect(dot.contains("  \"hero/final#2\" -> \"epilogue\" [label=\"last frame → first_frame\"];\n"))
        for hero in ["hero/draft", "hero/draft#2", "hero/final", "hero/final#2"] {
            #expect(dot.contains("  \"bridge\" -> \"\(hero)\" [style=dashed, label=\"after\"];\n"), "\(hero)")
        }
        // Six between jobs, five from the trailer's clips to the cut.
        #expect(dot.components(separatedBy: " -> ").count - 1 == 11)
        #expect(dot.contains("  \"bridge\" -> \"cut trailer\" [style=bold];\n"))
        #expect(dot.contains("\"poster\" [label=\"poster\\nfast 720x1280 6s\"];"))
    }

    @Test func jsonContainsJobsEdgesAndTotals() throws {
        let data = PlanRenderer(plan: try tour()).json()
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["name"] as? String == "feature-tour")
        let jobs = try #require(root["jobs"] as? [[String: Any]])
        #expect(jobs.compactMap { $0["id"] as? String } == Self.tourJobs)
        let epilogue = try #require(jobs.first { $0["id"] as? String == "epilogue" })
        #expect(epilogue["depends_on"] as? [String] == ["hero/final#2"])
        let input = try #require((epilogue["inputs"] as? [[String: Any]])?.first)
        #expect(input["role"] as? String == "first_frame")
        #expect(input["kind"] as? String == "job")
        #expect(input["value"] as? String == "hero/final#2")
        #expect(input["frame"] as? String == "last")
        #expect(epilogue["line"] as? Int == 62)
        #expect(jobs.first { $0["id"] as? String == "hero/draft#2" }?["depends_on"] as? [String] == ["bridge"])
        let totals = try #require(root["totals"] as? [String: Any])
        #expect(totals["jobs"] as? Int == 12)
        #expect(totals["seconds"] as? Int == 66)
        #expect(totals["depth"] as? Int == 4)
        #expect(totals["estimated_cost"] as? Double == 11.56)
        #expect(totals["currency"] as? String == "USD")
        #expect((totals["estimate_note"] as? String)?.contains("estimate") == true)
        #expect((totals["per_model"] as? [Any])?.count == 2)
    }

    @Test func plannerWithoutFileChecks() throws {
        var options = Planner.Options()
        options.checkFiles = false
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, references: [missing.png]}\n", options: options)
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        #expect(c.result.plan?.jobs.first?.request.inputs.first?.source.summary == "missing.png")
    }
}
