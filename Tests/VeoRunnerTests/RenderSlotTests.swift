import Foundation
import Synchronization
import Testing
import VeoClient
import VeoManifest
import VeoProvider
import VeoMedia

@testable import VeoRunner

// MARK: - A slot is a render at the provider

/// A provider whose renders take `render` and whose downloads wait until the test opens them.
/// Records the order of creates (by prompt) and the most renders it had unfinished at once.
final class GatedProvider: VideoService {
    private struct State {
        var created: [String] = []
        var rendering = 0
        var mostRendering = 0
        var downloading: Set<String> = []
        var open = false
    }

    let clip: String
    let render: Duration
    private let state = Mutex(State())

    init(clip: String, render: Duration) {
        self.clip = clip
        self.render = render
    }

    var created: [String] { state.withLock { $0.created } }
    var mostRendering: Int { state.withLock { $0.mostRendering } }
    var downloading: Set<String> { state.withLock { $0.downloading } }
    func openDownloads() { state.withLock { $0.open = true } }

    func create(_ request: GenerationRequest, uploads: [ImageUpload], onAttempt: @Sendable (SubmitAttempt) async throws -> Void) async throws -> VideoObject {
        try await onAttempt(.sending(attempt: 1))
        state.withLock {
            $0.created.append(request.prompt)
            $0.rendering += 1
            $0.mostRendering = max($0.mostRendering, $0.rendering)
        }
        return VideoObject(id: "video_" + request.prompt, status: .queued, progress: 0)
    }

    func waitForCompletion(id: String, pollInterval: Duration, timeout: Duration, onUpdate: @Sendable (VideoObject) async -> Void) async throws -> VideoObject {
        try await Task.sleep(for: render)
        state.withLock { $0.rendering -= 1 }
        return VideoObject(id: id, status: .completed, progress: 100)
    }

    func download(_ video: VideoObject, to destinationPath: String, maxBytes: Int64?) async throws -> DownloadResult {
        state.withLock { _ = $0.downloading.insert(video.id) }
        while !state.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(5)) }
        try FileManager.default.copyItem(atPath: clip, toPath: destinationPath)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: destinationPath))
        return DownloadResult(path: destinationPath, bytes: Int64(bytes.count), sha256: try CacheKey.sha256(ofFile: destinationPath))
    }
}

@Suite struct RenderSlotTests {
    static let header = """
        version: 1
        name: slots
        defaults:
          model: veo-3.1-fast-generate-preview
          seconds: 4
          size: 1280x720
        shots:

        """

    /// Runs `shots` (manifest lines under `shots:`) against a ``GatedProvider`` with `concurrency`;
    /// `whileGated` sees the provider while no download may finish, then downloads open.
    func run(
        _ shots: String, concurrency: Int, render: Duration = .milliseconds(20),
        whileGated: @escaping @Sendable (GatedProvider) async throws -> Void
    ) async throws -> (RunResult, GatedProvider) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-slots-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = try MediaToolsTests.makeClip("1280x720", seconds: 4, faststart: true, in: dir)
        try (Self.header + shots).write(toFile: dir + "/shots.yaml", atomically: true, encoding: .utf8)
        let loaded = ManifestLoader.load(file: dir + "/shots.yaml")
        let plan = try #require(loaded.plan, "\(loaded.diagnostics)")
        var options = RunOptions(outDirectory: dir + "/out")
        options.concurrency = concurrency
        let provider = GatedProvider(clip: clip, render: render)
        let runner = Runner(plan: plan, options: options, service: provider)
        let running = Task { try await runner.run() }
        do {
            try await whileGated(provider)
        } catch {
            provider.openDownloads()
            _ = try? await running.value
            throw error
        }
        provider.openDownloads()
        return (try await running.value, provider)
    }

    /// Waits (up to 10 s) until `condition` holds.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return condition()
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
        let (result, provider) = try await run("  - {id: a, prompt: a}\n  - {id: b, prompt: b}\n  - {id: c, prompt: c}\n", concurrency: 1) { provider in
            // With one slot, all three renders happen while no download has finished.
            let allCreated = try await eventually { provider.created.count == 3 }
            #expect(allCreated, "creates while downloads were held: \(provider.created)")
            #expect(provider.downloading.contains("video_a"))
        }
        #expect(result.status == .succeeded)
        #expect(result.outcomes.allSatisfy { $0.status == .succeeded }, "\(result.outcomes.map(\.status))")
        // One slot: never two renders at the provider at once.
        #expect(provider.mostRendering == 1)
    }

    @Test func aDependentWaitsForTheClipOnDisk() async throws {
        let (result, provider) = try await run("  - {id: a, prompt: a}\n  - {id: b, prompt: b, after: [a]}\n", concurrency: 2) { provider in
            let downloading = try await eventually { provider.downloading.contains("video_a") }
            #expect(downloading)
            try await Task.sleep(for: .milliseconds(200))
            #expect(provider.created == ["a"], "b started before a's clip was on disk")
        }
        #expect(result.status == .succeeded)
        #expect(provider.created == ["a", "b"])
    }

    @Test func aSlotWaitsForTheDependentOnTheCriticalPath() async throws {
        // One slot; a starts a chain of three (12 s behind it), x is a lone 4 s shot. When a's render
        // finishes, its dependent b (8 s behind it) should go before x (4 s): the slot waits for
        // a's clip instead of going to x.
        let shots = "  - {id: a, prompt: a}\n  - {id: b, prompt: b, after: [a]}\n  - {id: c, prompt: c, after: [b]}\n  - {id: x, prompt: x}\n"
        let (result, provider) = try await run(shots, concurrency: 1) { provider in
            let downloading = try await eventually { provider.downloading.contains("video_a") }
            #expect(downloading)
            try await Task.sleep(for: .milliseconds(200))
            #expect(provider.created == ["a"], "the slot went to x while b waited for a's clip")
        }
        #expect(result.status == .succeeded)
        // b took a's slot; c and x (4 s each behind them) follow in either order.
        #expect(Array(provider.created.prefix(2)) == ["a", "b"] && Set(provider.created) == ["a", "b", "c", "x"], "\(provider.created)")
    }

    @Test func slotsNeverExceedTheConcurrency() async throws {
        let shots = (1...8).map { "  - {id: s\($0), prompt: s\($0)}\n" }.joined()
        let (result, provider) = try await run(shots, concurrency: 3, render: .milliseconds(50)) { provider in
            let allCreated = try await eventually { provider.created.count == 8 }
            #expect(allCreated, "\(provider.created)")
        }
        #expect(result.status == .succeeded)
        #expect(provider.mostRendering <= 3 && provider.mostRendering >= 2, "\(provider.mostRendering)")
    }
}
