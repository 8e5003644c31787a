import Foundation
import Testing
import VeoEmulator

@Suite("Job lifecycle and clips")
struct LifecycleTests {
    @Test("queued → in_progress (progress rising) → completed, with poll hints and a video_url")
    func lifecycle() async throws {
        // Long enough that the first poll, right after the create, lands in the queued phase even on
        // a loaded 2-core machine.
        try await Harness.with(renderSeconds: 8) { h in
            let id = try await h.create()
            let replies = try await h.pollUntilDone(id)
            let statuses = replies.compactMap { $0.json["status"] as? String }
            #expect(statuses.first == "queued")
            #expect(statuses.contains("in_progress"))
            #expect(statuses.last == "completed")
            // Statuses never go backwards.
            let order = ["queued": 0, "in_progress": 1, "completed": 2]
            let ranks = statuses.compactMap { order[$0] }
            #expect(ranks == ranks.sorted())
            let progress = replies.compactMap { $0.json["progress"] as? Int }
            #expect(progress == progress.sorted())
            #expect(progress.contains { $0 > 0 && $0 < 100 })
            #expect(progress.last == 100)
            for reply in replies.dropLast() {
                #expect(Int(reply.header("openai-poll-after-ms") ?? "") == 2000)
            }
            let done = try #require(replies.last)
            #expect(done.header("openai-poll-after-ms") == nil)
            #expect(done.json["video_url"] as? String == "\(h.base)/files/\(id).mp4")
            let created = try #require(done.json["created_at"] as? Int)
            let completed = try #require(done.json["completed_at"] as? Int)
            let expires = try #require(done.json["expires_at"] as? Int)
            #expect(completed >= created && expires > completed)
            #expect(await h.emulator.record().pollCount == replies.count)
        }
    }

    @Test("Unknown ids answer 404; content before completion answers 409")
    func notFoundAndNotReady() async throws {
        try await Harness.with(.router, renderSeconds: 30) { h in
            let missing = try await h.send(.GET, "/v1/videos/video_doesnotexist")
            #expect(missing.status == 404)
            #expect(missing.error["code"] as? String == "video_not_found")
            #expect(missing.error["type"] as? String == "invalid_request_error")
            let missingContent = try await h.send(.GET, "/v1/videos/video_doesnotexist/content")
            #expect(missingContent.status == 404)
            let id = try await h.create()
            let early = try await h.send(.GET, "/v1/videos/\(id)/content")
            #expect(early.status == 409)
            #expect(early.error["code"] as? String == "video_not_ready")
            let file = try await h.send(.GET, "/files/\(id).mp4", auth: nil)
            #expect(file.status == 404)
        }
    }

    @Test("A 1920x1080 8 s job serves a real MP4 of that size and duration, first and last frames differ")
    func fullHDClip() async throws {
        try await Harness.with { h in
            let started = Date()
            let id = try await h.create(seconds: 8, size: "1920x1080")
            let replies = try await h.pollUntilDone(id)
            #expect(replies.last?.json["status"] as? String == "completed")
            print("1920x1080 8 s job completed in \(Date().timeIntervalSince(started)) s")
            let url = try await h.download(id)
            defer { try? FileManager.default.removeItem(at: url) }
            let bytes = Array(try Data(contentsOf: url).prefix(12))
            #expect(Array(bytes[4..<8]) == Array("ftyp".utf8))
            let probe = try await Media.probe(url)
            #expect(probe.width == 1920 && probe.height == 1080)
            #expect(abs(probe.duration - 8) < 0.2)
            let frames = try await Media.firstAndLastFrames(url)
            #expect(!frames.first.isEmpty && !frames.last.isEmpty)
            #expect(frames.first != frames.last)
        }
    }

    @Test("Two jobs' clips differ; a portrait 4 s clip has its size and duration")
    func distinctClips() async throws {
        try await Harness.with { h in
            let a = try await h.create(prompt: "a red fox", seconds: 4, size: "720x1280")
            let b = try await h.create(prompt: "a blue whale", seconds: 4, size: "720x1280")
            _ = try await h.pollUntilDone(a)
            _ = try await h.pollUntilDone(b)
            let fileA = try await h.download(a)
            let fileB = try await h.download(b)
            defer {
                try? FileManager.default.removeItem(at: fileA)
                try? FileManager.default.removeItem(at: fileB)
            }
            let probe = try await Media.probe(fileA)
            #expect(probe.width == 720 && probe.height == 1280)
            #expect(abs(probe.duration - 4) < 0.2)
            let framesA = try await Media.firstAndLastFrames(fileA)
            let framesB = try await Media.firstAndLastFrames(fileB)
            #expect(framesA.first != framesB.first)
            #expect(framesA.last != framesB.last)
            let record = await h.emulator.record()
            #expect(record.contentCount == 2)
            #expect(record.fileDownloadCount == 2)
        }
    }

    @Test("serveFile: every completed job serves that exact file, without ffmpeg")
    func serveFile() async throws {
        let source = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).mp4")
        let payload = Array("\0\0\0\u{18}ftypisom".utf8) + Array(repeating: UInt8(7), count: 300_000)
        try Data(payload).write(to: source)
        defer { try? FileManager.default.removeItem(at: source) }
        try await Harness.with(.live, {
            $0.serveFile = source.path
            $0.ffmpegPath = "/nonexistent/ffmpeg"
        }) { h in
            let id = try await h.create()
            _ = try await h.pollUntilDone(id)
            let url = try await h.download(id)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(Array(try Data(contentsOf: url)) == payload)
        }
    }

    @Test("Without ffmpeg, start() fails and says how to install it")
    func ffmpegMissing() async throws {
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        configuration.ffmpegPath = "/nonexistent/ffmpeg"
        let emulator = Emulator(configuration: configuration)
        do {
            _ = try await emulator.start()
            Issue.record("start() succeeded without ffmpeg")
            await emulator.stop()
        } catch {
            #expect("\(error)".contains("apt-get install -y ffmpeg"))
        }
    }

    @Test("start() binds a free port; stop() is idempotent and frees it")
    func startStop() async throws {
        var configuration = EmulatorConfiguration()
        configuration.port = 0
        let emulator = Emulator(configuration: configuration)
        let base = try await emulator.start()
        #expect(base.hasPrefix("http://127.0.0.1:"))
        #expect(Int(base.split(separator: ":").last ?? "") ?? 0 > 0)
        #expect(try await emulator.start() == base)
        await emulator.stop()
        await emulator.stop()
        #expect(await emulator.baseURL == nil)
    }
}
