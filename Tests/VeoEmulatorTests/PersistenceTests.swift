import Foundation
import Testing
import VeoEmulator

@Suite("Jobs kept in the storage directory across restarts")
struct PersistenceTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "veo-emulator-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("Start, create, stop, start again with the same directory: old ids poll and download, unfinished ones finish")
    func restart() async throws {
        let storage = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let configure: (inout EmulatorConfiguration) -> Void = {
            $0.storageDirectory = storage
            // One render at a time, so jobs created just before the stop are still waiting for theirs.
            $0.maxConcurrentRenders = 1
        }
        let first = Before()
        try await Harness.with(.live, renderSeconds: 0.5, configure) { h in
            let done = try await h.create(prompt: "done before the stop")
            let finished = try #require(try await h.pollUntilDone(done).last)
            let clip = try await h.download(done)
            defer { try? FileManager.default.removeItem(at: clip) }
            var pending: [String] = []
            for i in 0..<3 { pending.append(try await h.create(prompt: "pending \(i)", seconds: 8, size: "1920x1080")) }
            let times = ["created_at", "completed_at", "expires_at"].compactMap { key in
                (finished.json[key] as? Int).map { (key, $0) }
            }
            await first.set(done: done, times: Dictionary(uniqueKeysWithValues: times), clip: try Data(contentsOf: clip), pending: pending)
        }
        let (done, before, clipBefore, pending) = await first.values
        try await Harness.with(.live, renderSeconds: 0.5, configure) { h in
            let again = try await h.send(.GET, "/v1/videos/\(done)")
            #expect(again.status == 200)
            #expect(again.json["status"] as? String == "completed")
            #expect(before.count == 3)
            for (key, value) in before {
                #expect(again.json[key] as? Int == value, "\(key)")
            }
            #expect(again.json["video_url"] as? String == "\(h.base)/files/\(done).mp4")
            let clip = try await h.download(done)
            defer { try? FileManager.default.removeItem(at: clip) }
            #expect(try Data(contentsOf: clip) == clipBefore)
            for id in pending {
                let last = try #require(try await h.pollUntilDone(id).last)
                #expect(last.json["status"] as? String == "completed", "\(id): \(last.text)")
                let url = try await h.download(id)
                defer { try? FileManager.default.removeItem(at: url) }
                let probe = try await Media.probe(url)
                #expect(probe.width == 1920 && probe.height == 1080 && abs(probe.duration - 8) < 0.2)
            }
            let unknown = try await h.send(.GET, "/v1/videos/video_000000000000000000000000")
            #expect(unknown.status == 404)
            #expect(unknown.error["code"] as? String == "video_not_found")
            let fresh = try await h.create()
            #expect(!([done] + pending).contains(fresh))
        }
    }

    @Test("After a restart a job ends at its due time, and a planned failure stays a failure")
    func dueTimeKept() async throws {
        let storage = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let served = storage + "/served.mp4"
        try Data("\0\0\0\u{18}ftypisom served".utf8).write(to: URL(fileURLWithPath: served))
        let ids = Before()
        var plan = FaultPlan()
        plan.failPromptsContaining = ["explode"]
        plan.failCode = "content_policy_violation"
        try await Harness.with(.live, renderSeconds: 4, { [plan] in
            $0.storageDirectory = storage
            $0.serveFile = served
            $0.faults = plan
        }) { h in
            let slow = try await h.create(prompt: "a slow render")
            let failing = try await h.create(prompt: "the ship will explode")
            await ids.set(done: slow, times: [:], clip: Data(), pending: [failing])
        }
        let (slow, _, _, failing) = await ids.values
        // The second emulator has no fault plan: the failure comes from the stored job.
        try await Harness.with(.live, renderSeconds: 4, {
            $0.storageDirectory = storage
            $0.serveFile = served
        }) { h in
            let asked = Date()
            let early = try await h.send(.GET, "/v1/videos/\(slow)")
            let createdAt = try #require(early.json["created_at"] as? Int)
            // Unless the restart took longer than the render (a loaded machine), the job is not over yet.
            if asked.timeIntervalSince1970 < Double(createdAt + 4) {
                #expect(["queued", "in_progress"].contains(early.json["status"] as? String))
            }
            let replies = try await h.pollUntilDone(slow)
            let last = try #require(replies.last)
            let created = try #require(last.json["created_at"] as? Int)
            let completed = try #require(last.json["completed_at"] as? Int)
            #expect(last.json["status"] as? String == "completed")
            #expect(completed - created == 4)
            #expect(Date().timeIntervalSince1970 >= Double(created + 4))
            let failingID = try #require(failing.first)
            let failed = try #require(try await h.pollUntilDone(failingID).last)
            #expect(failed.json["status"] as? String == "failed")
            #expect((failed.json["error"] as? [String: Any])?["code"] as? String == "content_policy_violation")
        }
    }
}

/// What the first emulator's test body hands to the second's.
private actor Before {
    var done = ""
    /// `created_at`, `completed_at`, `expires_at` of the job `done`.
    var times: [String: Int] = [:]
    var clip = Data()
    var pending: [String] = []

    func set(done: String, times: [String: Int], clip: Data, pending: [String]) {
        self.done = done
        self.times = times
        self.clip = clip
        self.pending = pending
    }

    var values: (String, [String: Int], Data, [String]) { (done, times, clip, pending) }
}
