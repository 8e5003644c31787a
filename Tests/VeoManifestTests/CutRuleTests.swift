import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// `cuts:` in a manifest (issue 12): what it plans to, and each rule at its line and column (the
/// fixtures under Fixtures/invalid/*cut* cover one error each; these cover the rest).
@Suite("Cuts in the manifest")
struct CutRuleTests {
    static func manifest(_ cuts: String) -> String {
        """
        version: 1
        defaults: {seconds: 4}
        shots:
          - {id: a, prompt: p}
          - {id: b, prompt: p, seconds: 8, size: 720x1280}
          - id: h
            prompt: p
            takes: 2
            variants: [{id: day}, {id: night}]
        cuts:
        \(cuts)
        """
    }

    @Test func aCutPlansToItsJobsInOrderWithDefaults() throws {
        let c = ManifestCase(Self.manifest("""
              - id: reel
                clips:
                  - a
                  - {shot: h, variant: night, take: 2}
                  - shot: b
                    transition: fade
                    trim: {start: 1.5}
                  - shot: a
                    transition: {type: cut}
            """))
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        let plan = try #require(c.result.plan)
        let cut = try #require(plan.cut("reel"))
        #expect(cut.size == FrameSize(width: 1280, height: 720))  // its first clip's size
        #expect(cut.fps == 24)
        #expect(cut.clips.map(\.job) == ["a", "h/night#2", "b", "a"])
        #expect(cut.jobs == ["a", "h/night#2", "b"])
        #expect(cut.clips[2].fade == 0.5 && cut.clips[2].start == 1.5 && cut.clips[2].end == nil && cut.clips[2].seconds == 8)
        #expect(cut.clips[3].fade == 0)
        // 4 + 4 + (8 - 1.5) + 4, less the half-second fade.
        #expect(cut.plannedSeconds == 18)
    }

    @Test func sizeAndRateAreTakenAsWritten() throws {
        let c = ManifestCase(Self.manifest("  - {id: square, size: 720X720, fps: 30, clips: [b]}"))
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        let cut = try #require(c.result.plan?.cut("square"))
        #expect(cut.size == FrameSize(width: 720, height: 720) && cut.fps == 30)
    }

    @Test func aSizeThatIsNotWidthByHeightIsAnError() {
        let c = ManifestCase(Self.manifest("  - {id: r, size: ⟨v⟩wide, clips: [a]}"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'size' must be WIDTHxHEIGHT", "not 'wide'"])
    }

    @Test func aFadeAsLongAsATrimmedClipIsAnError() {
        let c = ManifestCase(Self.manifest("""
              - id: r
                clips:
                  - {shot: a, trim: {end: 1}}
                  - {shot: b, transition: {type: fade, seconds: ⟨v⟩1}}
            """))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["a fade of 1 s must be shorter than both clips", "'a' is 1 s"])
    }

    @Test func aHardCutTakesNoSeconds() {
        let c = ManifestCase(Self.manifest("  - {id: r, clips: [a, {shot: b, transition: {type: cut, seconds: ⟨v⟩1}}]}"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["a hard cut takes no 'seconds'"])
    }

    @Test func aTrimStartAtTheClipsEndIsAnError() {
        let c = ManifestCase(Self.manifest("  - {id: r, clips: [{shot: a, trim: {start: ⟨v⟩4}}]}"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'trim.start' (4 s) is not within clip 'a', which is 4 s long"])
    }

    @Test func aNegativeTrimIsAnError() {
        let c = ManifestCase(Self.manifest("  - {id: r, clips: [{shot: a, trim: {start: ⟨v⟩-1}}]}"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'trim.start' must be a number of seconds of at least 0", "'-1'"])
    }

    @Test func aClipThatIsNeitherAnIdNorAMappingIsAnError() {
        let c = ManifestCase(Self.manifest("  - {id: r, clips: [⟨v⟩[a, b]]}"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["a clip of a cut is a shot id or {shot, variant, take, transition, trim}"])
    }

    @Test func cutsMustBeAList() {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p}\ncuts: ⟨v⟩{id: r}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'cuts' must be a list of cuts"])
    }

    @Test func aCutNamingABrokenShotReportsOnlyTheShotsError() {
        // The shot's own error is enough: the cut does not add a second one about a missing job.
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p, seconds: ⟨v⟩5}\ncuts:\n  - {id: r, clips: [a]}\n")
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'seconds' must be"])
    }

    @Test func aManifestWithoutCutsPlansNone() throws {
        let c = ManifestCase("version: 1\nshots:\n  - {id: a, prompt: p}\n")
        #expect(try #require(c.result.plan).cuts.isEmpty)
    }

    @Test func thePlanTableAndJSONListTheCutsAfterTheJobs() throws {
        let c = ManifestCase(Self.manifest("  - {id: reel, clips: [a, {shot: b, transition: fade, trim: {start: 1, end: 7}}]}"))
        let plan = try #require(c.result.plan)
        let table = PlanRenderer(plan: plan, cached: ["a"], cachedCuts: []).table()
        let lines = table.split(separator: "\n").map(String.init)
        let cutHeader = try #require(lines.firstIndex { $0.hasPrefix("CUT") })
        #expect(cutHeader > (lines.firstIndex { $0.hasPrefix("h/night#2") } ?? Int.max), "\(table)")
        #expect(lines[cutHeader + 1].contains("reel") && lines[cutHeader + 1].contains("1280x720") && lines[cutHeader + 1].contains("9.5"), "\(table)")
        #expect(lines[cutHeader + 1].contains("a, b [1-7 s] (fade 0.5 s)") && lines[cutHeader + 1].hasSuffix("no"), "\(table)")
        #expect(table.contains("; 1 cut (0 cached)"), "\(table)")
        let json = try JSONSerialization.jsonObject(with: PlanRenderer(plan: plan).json()) as? [String: Any]
        let cuts = try #require(json?["cuts"] as? [[String: Any]])
        #expect(cuts.first?["id"] as? String == "reel" && cuts.first?["depends_on"] as? [String] == ["a", "b"])
        #expect(PlanRenderer(plan: plan).dot().contains("\"a\" -> \"cut reel\""))
    }
}
