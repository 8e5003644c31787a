import Foundation
import Testing
import VeoEmulator

@Suite("Render times and progress")
struct RealismTests {
    // MARK: - Render jitter

    @Test("Without jitter every job takes exactly the render time")
    func noJitter() {
        var random = SeededRandom(seed: 1)
        for seconds in [0, 0.1, 3, 110] {
            let timing = RenderTiming(seconds: seconds, jitter: 0)
            #expect((0..<100).allSatisfy { _ in timing.draw(using: &random) == seconds })
        }
    }

    @Test("With jitter, render times spread uniformly over seconds ± jitter")
    func uniform() throws {
        let timing = RenderTiming(seconds: 10, jitter: 4)
        var random = SeededRandom(seed: 42)
        let draws = (0..<20_000).map { _ in timing.draw(using: &random) }
        #expect(draws.allSatisfy { (6...14).contains($0) })
        let lowest = try #require(draws.min())
        let highest = try #require(draws.max())
        #expect(lowest < 6.05 && highest > 13.95)
        #expect(abs(draws.reduce(0, +) / Double(draws.count) - 10) < 0.1)
        // Eight bins of 1 s each hold about an eighth of the draws.
        let bins = Dictionary(grouping: draws) { min(7, Int($0 - 6)) }.mapValues(\.count)
        for bin in 0..<8 {
            let share = Double(bins[bin, default: 0]) / Double(draws.count)
            #expect(abs(share - 0.125) < 0.015, "bin \(bin): \(share)")
        }
    }

    @Test("A draw below 0.2 s is raised to 0.2 s")
    func shortestDraw() {
        let timing = RenderTiming(seconds: 0.5, jitter: 0.5)
        var random = SeededRandom(seed: 9)
        let draws = (0..<10_000).map { _ in timing.draw(using: &random) }
        #expect(draws.allSatisfy { (0.2...1.0).contains($0) })
        // Draws in [0, 0.2] (a fifth of the range) all become 0.2.
        let raised = Double(draws.count { $0 == RenderTiming.shortest }) / Double(draws.count)
        #expect(abs(raised - 0.2) < 0.02)
    }

    @Test("The same seed draws the same render times; another seed others")
    func seeded() {
        let timing = RenderTiming(seconds: 3, jitter: 1)
        func draws(_ seed: UInt64) -> [Double] {
            var random = SeededRandom(seed: seed)
            return (0..<50).map { _ in timing.draw(using: &random) }
        }
        #expect(draws(7) == draws(7))
        #expect(draws(7) != draws(8))
        #expect(Set(draws(7)).count == 50)
    }

    /// The render time the emulator drew for each of `count` new jobs, read from the poll hint
    /// (`openai-poll-after-ms`: a quarter of the job's render time, in whole milliseconds).
    static func renderTimes(jitter: Double, seed: UInt64?, count: Int = 20) async throws -> [Double] {
        let collected = Collected()
        // Long render times: the first poll comes well before the job ends, even on a loaded machine.
        try await Harness.with(.router, renderSeconds: 40, {
            $0.renderJitter = jitter
            $0.renderSeed = seed
            $0.serveFile = "/dev/null"
        }) { h in
            for _ in 0..<count {
                let id = try await h.create()
                let hint = try #require(Int(try await h.send(.GET, "/v1/videos/\(id)").header("openai-poll-after-ms") ?? ""))
                await collected.append(Double(hint) / 250)
            }
        }
        return await collected.values
    }

    @Test("Jobs of an emulator with --render-jitter take different times within the range; a seed repeats them")
    func jitterOnTheWire() async throws {
        let plain = try await Self.renderTimes(jitter: 0, seed: nil)
        #expect(plain.allSatisfy { $0 == 40 })
        let jittered = try await Self.renderTimes(jitter: 20, seed: 11)
        #expect(jittered.allSatisfy { (20...60).contains($0) }, "\(jittered)")
        #expect(Set(jittered).count >= 15, "\(jittered)")
        #expect(try await Self.renderTimes(jitter: 20, seed: 11) == jittered)
        #expect(try await Self.renderTimes(jitter: 20, seed: 12) != jittered)
    }

    @Test("Each job ends no sooner than the render time drawn for it after it was created")
    func jitteredJobsEndOnTime() async throws {
        // The emulator draws one render time per created job, in order, from its seeded generator.
        let timing = RenderTiming(seconds: 1.2, jitter: 0.7)
        var random = SeededRandom(seed: 3)
        let drawn = (0..<4).map { _ in timing.draw(using: &random) }
        #expect(Set(drawn).count == drawn.count)
        try await Harness.with(.router, renderSeconds: 1.2, {
            $0.renderJitter = 0.7
            $0.renderSeed = 3
            $0.serveFile = "/dev/null"
        }) { h in
            for renderSeconds in drawn {
                let sent = Date()
                let id = try await h.create()
                _ = try await h.pollUntilDone(id)
                let elapsed = Date().timeIntervalSince(sent)
                #expect(elapsed >= renderSeconds && elapsed < renderSeconds + 2, "\(elapsed) s for \(renderSeconds) s")
            }
        }
    }

    // MARK: - Progress

    /// The progress a job of `renderSeconds` shows `elapsed` seconds after its creation, as the
    /// API promises: `queued` (0) for the first quarter, then rising linearly to 100 at the end,
    /// shown 1 to 99 while in progress.
    static func promisedProgress(elapsed: Double, renderSeconds: Double) -> Int {
        let queued = renderSeconds / 4
        guard elapsed >= queued else { return 0 }
        return min(99, max(1, Int(100 * (elapsed - queued) / (renderSeconds - queued))))
    }

    @Test("progress is 0 while queued, rises linearly with elapsed time while in progress, 100 when completed")
    func linearProgress() async throws {
        // Long enough for several polls in progress even when the machine is loaded.
        let renderSeconds = 8.0
        try await Harness.with(.router, renderSeconds: renderSeconds, { $0.serveFile = "/dev/null" }) { h in
            let beforeCreate = Date()
            let id = try await h.create()
            let afterCreate = Date()
            var seen: [(status: String, progress: Int)] = []
            while true {
                let sent = Date()
                let reply = try await h.send(.GET, "/v1/videos/\(id)")
                let received = Date()
                let status = try #require(reply.json["status"] as? String)
                let progress = try #require(reply.json["progress"] as? Int)
                seen.append((status, progress))
                if status == "completed" {
                    #expect(progress == 100)
                    break
                }
                // The server's elapsed time lies between these two bounds.
                let earliest = sent.timeIntervalSince(afterCreate)
                let latest = received.timeIntervalSince(beforeCreate)
                let low = Self.promisedProgress(elapsed: earliest, renderSeconds: renderSeconds)
                let high = Self.promisedProgress(elapsed: latest, renderSeconds: renderSeconds)
                #expect(status == (progress == 0 ? "queued" : "in_progress"))
                #expect((low...high).contains(progress), "progress \(progress) at \(earliest)...\(latest) s")
                try await Task.sleep(for: .milliseconds(100))
            }
            let rising = seen.filter { $0.status == "in_progress" }.map(\.progress)
            #expect(seen.first?.status == "queued")
            // Seen rising across the range (a loaded machine polls less often).
            #expect(rising == rising.sorted() && rising.count >= 5, "\(rising)")
            #expect((rising.min() ?? 100) < 40 && (rising.max() ?? 0) > 60, "\(rising)")
        }
    }
}

private actor Collected {
    var values: [Double] = []
    func append(_ value: Double) { values.append(value) }
}
