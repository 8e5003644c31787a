import Foundation
import Testing
import VeoManifest

@testable import VeoRunner

// MARK: - Which ready job starts first

@Suite struct CriticalPathTests {
    /// Three independent 8 s shots listed first, then a chain of three 4 s shots (12 s in all).
    static let manifest = """
        version: 1
        name: critical-path
        defaults:
          model: veo-3.1-fast-generate-preview
          seconds: 8
        shots:
          - id: x1
            prompt: one
          - id: x2
            prompt: two
          - id: x3
            prompt: three
          - id: c1
            prompt: chain start
            seconds: 4
          - id: c2
            prompt: chain middle
            seconds: 4
            after: [c1]
          - id: c3
            prompt: chain end
            seconds: 4
            after: [c2]
          - id: x4
            prompt: four
            seconds: 4
        """

    func plan() throws -> Plan {
        let directory = NSTemporaryDirectory() + "veo-critical-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shots.yaml"
        try Self.manifest.write(toFile: path, atomically: true, encoding: .utf8)
        let result = ManifestLoader.load(file: path)
        return try #require(result.plan, "\(result.diagnostics)")
    }

    @Test func theLongestChainStartsFirst() throws {
        let plan = try plan()
        var schedule = Schedule(plan: plan, selection: .init(selected: Set(plan.jobs.map(\.id)), forced: []), failFast: false)
        #expect(schedule.remainingWork["c1"] == 12)
        #expect(schedule.remainingWork["c2"] == 8)
        #expect(schedule.remainingWork["x1"] == 8)
        var started: [String] = []
        while let (job, _, _) = schedule.nextReady() { started.append(job.id) }
        // c1 has 12 s of work behind it; the 8 s shots in plan order; the short x4 last.
        #expect(started == ["c1", "x1", "x2", "x3", "x4"])
    }

    @Test func aFinishedRenderKeepsItsSlotOnlyForADependentThatWouldGoFirst() throws {
        let plan = try plan()
        var schedule = Schedule(plan: plan, selection: .init(selected: Set(plan.jobs.map(\.id)), forced: []), failFast: false)
        _ = schedule.nextReady()  // c1 (12 s behind it) starts; x1, x2, x3 (8 s) and x4 (4 s) are ready
        // c2 has 8 s behind it, no more than x1: the slot goes on at once.
        #expect(!schedule.keepsSlot(after: "c1"))
        // Once only x4 (4 s) is ready, c2 would go first: c1's slot waits for it.
        for _ in 0..<3 { _ = schedule.nextReady() }
        #expect(schedule.keepsSlot(after: "c1"))
        // A job without dependents never keeps its slot.
        #expect(!schedule.keepsSlot(after: "x1"))
        // Nothing ready: nothing to keep it from.
        _ = schedule.nextReady()
        #expect(!schedule.keepsSlot(after: "c1"))
    }

    /// Jobs the forecast left out as over budget (`--render-what-fits`) are skipped before the run
    /// starts, with every job after them; the rest run as planned.
    @Test func jobsOverBudgetAreSkippedFromTheStartWithTheirDependents() throws {
        let plan = try plan()
        var selection = Schedule.Selection(selected: Set(plan.jobs.map(\.id)), forced: [])
        selection.overBudget = ["c1": "over budget: its estimated 0.40 USD did not fit what the budget had left", "x4": "over budget"]
        var schedule = Schedule(plan: plan, selection: selection, failFast: false)
        #expect(schedule.skippedAtStart.map(\.job.id).sorted() == ["c1", "c2", "c3", "x4"])
        #expect(schedule.skippedAtStart.allSatisfy { $0.skip?.cause == .overBudget })
        var started: [String] = []
        while let (job, _, _) = schedule.nextReady() { started.append(job.id) }
        #expect(started == ["x1", "x2", "x3"])
    }
}
