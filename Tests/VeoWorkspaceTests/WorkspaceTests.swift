import Foundation
import Testing
import VeoManifest
import VeoReport
import VeoRunner
import VeoViews
import VeoWorkspace

/// The workspace in-process: the defaults it resolves, its forecast (what `plan` prints and `run`
/// starts from), `--render-what-fits` choosing before the first create (issue 24, item 19), and a
/// run refused over budget writing its report and views (item 20). No binary is spawned.
@Suite struct WorkspaceTests {
    /// A manifest in a fresh folder; `body` gets the folder and the manifest's path.
    static func with(_ yaml: String, _ body: (String, String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.path + "/veo-workspace-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let manifest = folder + "/shots.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: manifest))
        try await body(folder, manifest)
    }

    static func manifest(budget: Double?, cuts: String = "") -> String {
        """
        version: 1
        name: ws
        \(budget.map { "budget:\n  max_usd: \($0)\n" } ?? "")defaults:
          model: veo-3.1-fast-generate-preview
          seconds: 4
          size: 1280x720
        shots:
          - {id: a, prompt: cell a}
          - {id: b, prompt: cell b}
          - {id: c, prompt: the opening}
          - id: d
            prompt: the close
            first_frame: {shot: c, frame: last}
        \(cuts)
        """
    }

    static func workspace(_ manifest: String, folder: String, _ change: (inout Workspace.Settings) -> Void = { _ in }) throws -> Workspace {
        var settings = Workspace.Settings(manifestPath: manifest, environment: [:])
        settings.out = folder + "/out"
        settings.emulate = true
        change(&settings)
        return try Workspace(settings, loaded: Workspace.load(manifest))
    }

    @Test func theDefaultsAreResolvedOnce() async throws {
        try await Self.with(Self.manifest(budget: 3)) { folder, manifest in
            var settings = Workspace.Settings(manifestPath: manifest, environment: ["VEO_BASE_URL": "http://127.0.0.1:9/v1"])
            settings.maxCost = 1
            let workspace = try Workspace(settings, loaded: Workspace.load(manifest))
            #expect(workspace.outDirectory == "renders/ws")
            #expect(workspace.origin == "http://127.0.0.1:9")
            #expect(workspace.budget.maxCostThisRun == 1 && workspace.budget.maxCostTotal == 3)
            settings.emulate = true
            #expect(try Workspace(settings, loaded: Workspace.load(manifest)).outDirectory == "renders/ws-emulated")
            settings.only = ["nothing"]
            #expect(throws: WorkspaceError.self) { try Workspace(settings, loaded: Workspace.load(manifest)) }
        }
    }

    /// The cut needs c and d (d takes c's last frame): with 0.80 USD left they are chosen first,
    /// and the matrix-like cells a and b, which no cut uses, are skipped from the start.
    @Test func renderWhatFitsChoosesWhatEachCutNeedsFirst() async throws {
        let cuts = "cuts:\n  - {id: film, clips: [d]}\n"
        try await Self.with(Self.manifest(budget: 0.8, cuts: cuts)) { folder, manifest in
            let refusing = try await Self.workspace(manifest, folder: folder).forecast { _ in }
            #expect(refusing.refused && refusing.estimate.lines.count == 4)
            let workspace = try Self.workspace(manifest, folder: folder) { $0.renderWhatFits = true }
            let forecast = try await workspace.forecast { _ in }
            #expect(!forecast.refused)
            #expect(forecast.chosen.lines.map(\.job) == ["c", "d"])
            #expect(Set(forecast.overBudget.keys) == ["a", "b"])
            #expect(forecast.overBudget["a"]?.hasPrefix("over budget") == true)
            #expect(forecast.wouldRender == 3)  // c, d and the cut
        }
    }

    /// Without a cut, the jobs go in manifest order, each with the upstream jobs it needs.
    @Test func renderWhatFitsTakesTheRestInManifestOrderWithTheirUpstreamJobs() async throws {
        try await Self.with(Self.manifest(budget: 1.2)) { folder, manifest in
            let workspace = try Self.workspace(manifest, folder: folder) { $0.renderWhatFits = true }
            let forecast = try await workspace.forecast { _ in }
            #expect(forecast.chosen.lines.map(\.job) == ["a", "b", "c"])
            #expect(forecast.overBudget["d"]?.hasPrefix("over budget") == true)
        }
        try await Self.with(Self.manifest(budget: 1.0)) { folder, manifest in
            let workspace = try Self.workspace(manifest, folder: folder) { $0.renderWhatFits = true; $0.only = ["d"] }
            let forecast = try await workspace.forecast { _ in }
            #expect(forecast.chosen.lines.map(\.job) == ["c", "d"])
        }
    }

    /// The manifest's budget (the folder's) and --max-cost (this run's) both apply: the smaller
    /// remainder wins, and the refusal names where each limit is set. (Was an end-to-end test.)
    @Test func theManifestsBudgetAndMaxCostTogetherTheSmallerRemainderWins() async throws {
        try await Self.with(Self.manifest(budget: 1.0)) { folder, manifest in
            let manifestWins = try await Self.workspace(manifest, folder: folder) { $0.maxCost = 5 }.forecast { _ in }
            #expect(manifestWins.refused && manifestWins.remainingUSD == 1.0)
            #expect(manifestWins.overBudgetError.description.contains("budget.max_usd 1.00 USD for this folder, \(manifest):4:12"))
        }
        try await Self.with(Self.manifest(budget: 10)) { folder, manifest in
            let flagWins = try await Self.workspace(manifest, folder: folder) { $0.maxCost = 0.5 }.forecast { _ in }
            #expect(flagWins.refused && flagWins.remainingUSD == 0.5)
            #expect(flagWins.overBudgetError.description.contains("0.50 USD left (--max-cost 0.50 USD for this run; budget.max_usd 10.00 USD"))
            let within = try await Self.workspace(manifest, folder: folder) { $0.maxCost = 2 }.forecast { _ in }
            #expect(!within.refused && within.fits && within.estimate.usd > 1.59)
        }
    }

    /// Over budget in CI: nothing starts, and the report (status not_started, the figures), the
    /// page, JUnit, the step summary and an annotation all exist to publish.
    @Test func aRunRefusedOverBudgetWritesItsReportAndViews() async throws {
        try await Self.with(Self.manifest(budget: 0.5)) { folder, manifest in
            let workspace = try Self.workspace(manifest, folder: folder)
            var hooks = Workspace.RunHooks()
            hooks.onEvent = { event in Issue.record("no job starts: \(event)") }
            guard case .notStarted(let refusal, let report) = try await workspace.run(.init(), hooks: hooks) else {
                Issue.record("the run was not refused")
                return
            }
            #expect(refusal.estimate.usd > 1.59 && refusal.remainingUSD == 0.5)
            #expect(report.status == "not_started")
            #expect(report.notStartedBecause?.contains("would cost an estimated 1.60 USD") == true)
            #expect(report.summary.cost?.remainingUSD == 0.5 && report.summary.cost?.spentUSD == 0)
            #expect(report.jobs.allSatisfy { $0.status == "skipped" && $0.skippedBecause?.hasPrefix("not started") == true })
            let written = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: workspace.layout.reportPath)))
            #expect(written.status == "not_started" && written.notStartedBecause == report.notStartedBecause)
            #expect(FileManager.default.fileExists(atPath: workspace.layout.root + "/" + RunViews.contactSheetName))
            #expect(JUnitReport.xml(for: report, outDirectory: workspace.outDirectory).contains("name=\"status\" value=\"not_started\""))
            #expect(StepSummary.markdown(for: report, contactSheet: nil).contains("**Not started:**"))
            #expect(GitHubActions.annotations(for: report).first?.title == "veo-pipeline: run not started")
            #expect(!FileManager.default.fileExists(atPath: workspace.layout.emulatorDirectory), "the emulator was never started")
        }
    }
}
