import Foundation
import Synchronization
import Testing
import VeoClient
import VeoManifest
import VeoProvider

@testable import VeoRunner

// MARK: - A slot is a render at the provider

/// A provider whose renders take `render` on the run's ``TestClock`` and whose downloads wait until
/// the test opens them. Records the order of creates (by prompt), the renders unfinished at once
/// and the downloads begun; `rateLimited` creates are refused with a 429 first. Nothing in it
/// waits in real time.
final class GatedProvider: VideoService {
    struct State: Sendable {
        var created: [String] = []
        var rendering = 0
        var mostRendering = 0
        var downloading: Set<String> = []
        var open = false
        var refusals = 0
    }

    let clip: String
    let render: Duration
    let clock: TestClock
    let rateLimited: Int
    let state = Watched(State())

    init(clip: String, render: Duration, clock: TestClock, rateLimited: Int = 0) {
        self.clip = clip
        self.render = render
        self.clock = clock
        self.rateLimited = rateLimited
    }

    var created: [String] { state.value.created }
    var mostRendering: Int { state.value.mostRendering }
    var downloading: Set<String> { state.value.downloading }
    func openDownloads() { state.update { $0.open = true } }

    func create(_ request: GenerationRequest, uploads: [ImageUpload], onAttempt: @Sendable (SubmitAttempt) async throws -> Void) async throws -> VideoObject {
        try await onAttempt(.sending(attempt: 1))
        var refused = false
        state.update { state in
            refused = state.refusals < rateLimited
            if refused {
                state.refusals += 1
                return
            }
            state.created.append(request.prompt)
            state.rendering += 1
            state.mostRendering = max(state.mostRendering, state.rendering)
        }
        if refused { throw VideoAPIError(kind: .rateLimited, httpStatus: 429, message: "too many requests") }
        return VideoObject(id: "video_" + request.prompt, status: .queued, progress: 0)
    }

    func waitForCompletion(id: String, pollInterval: Duration, timeout: Duration, onUpdate: @Sendable (VideoObject) async -> Void) async throws -> VideoObject {
        try await clock.sleep(for: render)
        state.update { $0.rendering -= 1 }
        return VideoObject(id: id, status: .completed, progress: 100)
    }

    func download(_ video: VideoObject, to destinationPath: String, maxBytes: Int64?) async throws -> DownloadResult {
        state.update { _ = $0.downloading.insert(video.id) }
        await state.wait { $0.open }
        try FileManager.default.copyItem(atPath: clip, toPath: destinationPath)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: destinationPath))
        return DownloadResult(path: destinationPath, bytes: Int64(bytes.count), sha256: try CacheKey.sha256(ofFile: destinationPath))
    }
}

/// The runner's scheduling against a test clock and a ``GatedProvider``: what the loop decided is
/// read where it decided it (``Runner/onLoopWait``), so no test sleeps or reads the time.
@Suite(.timeLimit(.minutes(1))) struct RenderSlotTests {
    static let header = """
        version: 1
        name: slots
        defaults:
          model: veo-3.1-fast-generate-preview
          seconds: 4
          size: 1280x720
        shots:

        """
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A run of `shots` (manifest lines under `shots:`) with `concurrency` slots, on a test clock
    /// that stands still until the test moves it; downloads wait until the test opens them.
    struct Harness {
        let provider: GatedProvider
        let clock: TestClock
        /// Every ``Runner/LoopState`` the scheduling loop reported, the latest last.
        let loop = Watched<[Runner.LoopState]>([])
        let running: Task<RunResult, any Error>
        let directory: String

        init(_ shots: String, concurrency: Int, rateLimited: Int = 0) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("veo-slots-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let clip = try MediaToolsTests.makeClip("1280x720", seconds: 4, faststart: true, in: directory)
            try (RenderSlotTests.header + shots).write(toFile: directory + "/shots.yaml", atomically: true, encoding: .utf8)
            let loaded = ManifestLoader.load(file: directory + "/shots.yaml")
            let plan = try #require(loaded.plan, "\(loaded.diagnostics)")
            clock = TestClock()
            var options = RunOptions(outDirectory: directory + "/out")
            options.concurrency = concurrency
            options.clock = clock
            options.now = { RenderSlotTests.start }
            provider = GatedProvider(clip: clip, render: .seconds(4), clock: clock, rateLimited: rateLimited)
            var runner = Runner(plan: plan, options: options, service: provider)
            runner.onLoopWait = { [loop] state in loop.update { $0.append(state) } }
            running = Task { [runner] in try await runner.run() }
        }

        /// The loop's state once it has taken the news of `id`'s render and acted on it.
        func loopAfterRender(of id: String) async -> Runner.LoopState? {
            await loop.wait { $0.contains { $0.rendered.contains(id) } }.first { $0.rendered.contains(id) }
        }

        /// Waits until a render sleeps on the clock, then moves the clock past it.
        func finishNextRender() async {
            await clock.sleeping.wait { $0 > 0 }
            clock.advance(by: provider.render)
        }

        /// Lets everything go on (downloads open, renders end at once) and returns the run's result.
        func finish() async throws -> RunResult {
            provider.openDownloads()
            clock.runFreely()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            return try await running.value
        }
    }

    @Test func aSlotIsGivenBackOnceWhicheverNewsComesFirst() {
        var slots = RenderSlots()
        for _ in 0..<3 { slots.take() }
        slots.renderFinished("a")  // render done, download going on
        slots.jobEnded("a")
        slots.jobEnded("b")  // ended before its render's news reached the loop
        slots.renderFinished("b")
        slots.jobEnded("c")  // cached: never rendered
        #expect(slots.taken == 0)
    }

    @Test func theNextJobStartsWhileTheFinishedRenderDownloads() async throws {
        let run = try Harness("  - {id: a, prompt: a}\n  - {id: b, prompt: b}\n  - {id: c, prompt: c}\n", concurrency: 1)
        // With one slot, all three renders happen while no download has finished.
        // Each finished render's slot goes to the next job at once (c's to nobody).
        for (id, latest) in [("a", "b"), ("b", "c"), ("c", "c")] {
            await run.finishNextRender()
            let loop = await run.loopAfterRender(of: id)
            #expect(loop?.started.last == latest, "\(String(describing: loop))")
        }
        await run.provider.state.wait { $0.downloading.count == 3 }
        #expect(run.provider.created == ["a", "b", "c"])
        let result = try await run.finish()
        #expect(result.status == .succeeded)
        #expect(result.outcomes.allSatisfy { $0.status == .succeeded }, "\(result.outcomes.map(\.status))")
        // One slot: never two renders at the provider at once.
        #expect(run.provider.mostRendering == 1)
    }

    @Test func aDependentWaitsForTheClipOnDisk() async throws {
        let run = try Harness("  - {id: a, prompt: a}\n  - {id: b, prompt: b, after: [a]}\n", concurrency: 2)
        await run.finishNextRender()
        // The loop heard that a's render finished; a's clip is not on disk (downloads are held).
        let loop = await run.loopAfterRender(of: "a")
        #expect(loop?.started == ["a"], "b started before a's clip was on disk")
        let result = try await run.finish()
        #expect(result.status == .succeeded)
        #expect(run.provider.created == ["a", "b"])
    }

    @Test func aSlotWaitsForTheDependentOnTheCriticalPath() async throws {
        // One slot; a starts a chain of three (12 s behind it), x is a lone 4 s shot. When a's render
        // finishes, its dependent b (8 s behind it) should go before x (4 s): the slot waits for
        // a's clip instead of going to x.
        let shots = "  - {id: a, prompt: a}\n  - {id: b, prompt: b, after: [a]}\n  - {id: c, prompt: c, after: [b]}\n  - {id: x, prompt: x}\n"
        let run = try Harness(shots, concurrency: 1)
        await run.finishNextRender()
        let loop = await run.loopAfterRender(of: "a")
        #expect(loop?.started == ["a"], "the slot went to x while b waited for a's clip")
        let result = try await run.finish()
        #expect(result.status == .succeeded)
        // b took a's slot; c and x (4 s each behind them) follow in either order.
        let created = run.provider.created
        #expect(Array(created.prefix(2)) == ["a", "b"] && Set(created) == ["a", "b", "c", "x"], "\(created)")
    }

    @Test func slotsNeverExceedTheConcurrency() async throws {
        let shots = (1...8).map { "  - {id: s\($0), prompt: s\($0)}\n" }.joined()
        let run = try Harness(shots, concurrency: 3)
        run.provider.openDownloads()
        // Three renders at the provider, and the loop waits: nothing more starts while they render.
        await run.clock.sleeping.wait { $0 == 3 }
        let first = await run.loop.wait { !$0.isEmpty }.first
        #expect(first?.started.count == 3, "\(String(describing: first))")
        #expect(run.provider.created.count == 3)
        let result = try await run.finish()
        #expect(result.status == .succeeded)
        #expect(run.provider.created.count == 8)
        #expect(run.provider.mostRendering == 3, "\(run.provider.mostRendering)")
    }

    @Test func theRunTakesItsTimeFromTheInjectedClock() async throws {
        // Two 429s: the runner pauses 16 s and then 32 s (twice, four times the 8 s poll interval)
        // on the run's clock, which a test moves at once; the job's wall time is read on it too,
        // and the run's dates come from the injected `now`.
        let run = try Harness("  - {id: a, prompt: a}\n", concurrency: 1, rateLimited: 2)
        let result = try await run.finish()
        #expect(result.status == .succeeded, "\(result.outcomes.map(\.failure))")
        #expect(run.clock.sleeps.filter { $0 >= .seconds(16) } == [.seconds(16), .seconds(32)], "\(run.clock.sleeps)")
        let outcome = try #require(result.outcomes.first)
        #expect((outcome.wallSeconds ?? 0) >= 52, "16 s + 32 s of pauses and a 4 s render: \(String(describing: outcome.wallSeconds))")
        #expect(result.startedAt == Self.start && result.finishedAt == Self.start)
        #expect(outcome.submission?.submittedAt == Self.start)
    }
}
