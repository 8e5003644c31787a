import AsyncHTTPClient
import Foundation
import Testing
import VeoEmulator

@Suite("Fault injection")
struct FaultTests {
    static let body = #"{"model":"veo-3.1-fast-generate-preview","prompt":"a quiet harbour","seconds":4}"#

    @Test("rateLimitCreates: the first N creates answer 429 with Retry-After and create nothing")
    func rateLimit() async throws {
        var plan = FaultPlan()
        plan.rateLimitCreates = 2
        plan.retryAfterSeconds = 7
        try await Harness.with(.router, { $0.faults = plan }) { h in
            for _ in 0..<2 {
                let reply = try await h.post(json: Self.body)
                #expect(reply.status == 429)
                #expect(reply.header("Retry-After") == "7")
                #expect(reply.error["code"] as? String == "rate_limit_exceeded")
            }
            #expect(try await h.post(json: Self.body).status == 200)
            let record = await h.emulator.record()
            #expect(record.createCount == 1)
            #expect(record.createAttemptCount == 3)
            #expect(record.creates.map(\.status) == [429, 429, 200])
        }
    }

    @Test("unavailableCreates: 503 with Retry-After, no job")
    func unavailable() async throws {
        var plan = FaultPlan()
        plan.unavailableCreates = 1
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let reply = try await h.post(json: Self.body)
            #expect(reply.status == 503)
            #expect(reply.header("Retry-After") == "1")
            #expect(await h.emulator.record().createCount == 0)
            #expect(try await h.post(json: Self.body).status == 200)
        }
    }

    @Test("pollServerErrors: 500, 502, 503 in turn, then the object")
    func pollErrors() async throws {
        var plan = FaultPlan()
        plan.pollServerErrors = 4
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let id = try await h.create()
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await h.send(.GET, "/v1/videos/\(id)").status) }
            #expect(statuses == [500, 502, 503, 500, 200])
        }
    }

    @Test("failPromptsContaining: the job ends failed with the fail code")
    func failedJob() async throws {
        var plan = FaultPlan()
        plan.failPromptsContaining = ["explode"]
        plan.failCode = "content_policy_violation"
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let failing = try await h.create(prompt: "the ship will explode")
            let fine = try await h.create(prompt: "the ship sails on")
            let failed = try #require(try await h.pollUntilDone(failing).last)
            #expect(failed.json["status"] as? String == "failed")
            let error = try #require(failed.json["error"] as? [String: Any])
            #expect(error["code"] as? String == "content_policy_violation")
            #expect(!((error["message"] as? String) ?? "").isEmpty)
            #expect(failed.json["video_url"] == nil)
            #expect(try await h.send(.GET, "/v1/videos/\(failing)/content").status == 409)
            #expect(try await h.pollUntilDone(fine).last?.json["status"] as? String == "completed")
        }
    }

    @Test("truncateDownloads: full Content-Length, short body, connection closed")
    func truncate() async throws {
        var plan = FaultPlan()
        plan.truncateDownloads = 1
        try await Harness.with(.live, { $0.faults = plan }) { h in
            let id = try await h.create()
            _ = try await h.pollUntilDone(id)
            let location = try #require(try await h.send(.GET, "/v1/videos/\(id)/content").header("Location"))
            let request = HTTPClientRequest(url: location)
            let response = try await h.httpClient().execute(request, timeout: .seconds(30))
            let announced = try #require(Int(response.headers.first(name: "Content-Length") ?? ""))
            var received = 0
            var failed = false
            do {
                for try await chunk in response.body { received += chunk.readableBytes }
            } catch {
                failed = true
            }
            #expect(failed || received < announced)
            #expect(received < announced)
            // The next download is whole.
            let url = try await h.download(id)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(try Data(contentsOf: url).count == announced)
            #expect(await h.emulator.record().requests.filter { $0.fault == "truncate" }.count == 1)
        }
    }

    @Test("corruptDownloads: a 200 video/mp4 body without ftyp")
    func corrupt() async throws {
        var plan = FaultPlan()
        plan.corruptDownloads = 1
        try await Harness.with(.live, { $0.faults = plan }) { h in
            let id = try await h.create()
            _ = try await h.pollUntilDone(id)
            let location = try #require(try await h.send(.GET, "/v1/videos/\(id)/content").header("Location"))
            let bad = try await h.send(.GET, location, auth: nil)
            #expect(bad.status == 200)
            #expect(bad.header("Content-Type") == "video/mp4")
            #expect(!bad.text.contains("ftyp"))
            let good = try await h.send(.GET, location, auth: nil)
            #expect(Array(good.body[4..<8]) == Array("ftyp".utf8))
        }
    }

    @Test("redirectLoopDownloads: content redirects to itself again and again")
    func redirectLoop() async throws {
        var plan = FaultPlan()
        plan.redirectLoopDownloads = 1
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let id = try await h.create()
            _ = try await h.pollUntilDone(id)
            var location = "/v1/videos/\(id)/content"
            for _ in 0..<25 {
                let reply = try await h.send(.GET, location)
                #expect(reply.status == 302)
                location = try #require(reply.header("Location"))
                #expect(location.contains("/v1/videos/\(id)/content"))
            }
            // A fresh download (the fault used up) redirects to the file.
            let fresh = try await h.send(.GET, "/v1/videos/\(id)/content")
            #expect(fresh.header("Location")?.contains("/files/\(id).mp4") == true)
        }
    }

    @Test("withholdVideoURL: a completed job carries no video_url; /content still redirects to the file")
    func withheldVideoURL() async throws {
        var plan = FaultPlan()
        plan.withholdVideoURL = true
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let id = try await h.create()
            let done = try #require(try await h.pollUntilDone(id).last)
            #expect(done.json["status"] as? String == "completed")
            #expect(done.json["video_url"] == nil)
            let content = try await h.send(.GET, "/v1/videos/\(id)/content")
            #expect(content.status == 302)
            #expect(content.header("Location")?.hasSuffix("/files/\(id).mp4") == true)
        }
    }

    @Test("responseDelayMilliseconds delays every answer")
    func delay() async throws {
        var plan = FaultPlan()
        plan.responseDelayMilliseconds = 400
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let start = Date()
            let reply = try await h.send(.GET, "/v1/videos/video_nope")
            #expect(reply.status == 404)
            #expect(Date().timeIntervalSince(start) >= 0.4)
        }
    }

    @Test("loseCreateResponses: the job is created but the client gets no answer")
    func loseResponse() async throws {
        var plan = FaultPlan()
        plan.loseCreateResponses = 1
        try await Harness.with(.live, { $0.faults = plan }) { h in
            await #expect(throws: (any Error).self) {
                _ = try await h.post(json: Self.body)
            }
            let record = await h.emulator.record()
            #expect(record.createCount == 1)
            let lost = try #require(record.creates.first)
            #expect(lost.status == nil)
            let id = try #require(lost.videoID)
            #expect(try await h.send(.GET, "/v1/videos/\(id)").status == 200)
            #expect(try await h.post(json: Self.body).status == 200)
            #expect(await h.emulator.record().createCount == 2)
        }
    }

    @Test("maxConcurrentJobs: creates beyond the limit answer 429 concurrency_limit_exceeded")
    func concurrencyLimit() async throws {
        var plan = FaultPlan()
        plan.maxConcurrentJobs = 1
        try await Harness.with(.router, { $0.faults = plan }) { h in
            let first = try await h.create()
            let second = try await h.post(json: Self.body)
            #expect(second.status == 429)
            #expect(second.error["code"] as? String == "concurrency_limit_exceeded")
            _ = try await h.pollUntilDone(first)
            #expect(try await h.post(json: Self.body).status == 200)
        }
    }

    @Test("nonStandardStatus replaces in_progress")
    func nonStandardStatus() async throws {
        var plan = FaultPlan()
        plan.nonStandardStatus = "processing"
        try await Harness.with(.router, renderSeconds: 1, { $0.faults = plan }) { h in
            let id = try await h.create()
            let statuses = try await h.pollUntilDone(id).compactMap { $0.json["status"] as? String }
            #expect(statuses.contains("processing"))
            #expect(!statuses.contains("in_progress"))
            #expect(statuses.last == "completed")
        }
    }

    @Test("Control endpoints: PUT faults, GET record, POST reset (no auth needed)")
    func control() async throws {
        try await Harness.with(.router) { h in
            let put = try await h.send(
                .PUT, "/_emulator/faults", body: Array(#"{"rateLimitCreates":1,"retryAfterSeconds":3}"#.utf8),
                contentType: "application/json", auth: nil)
            #expect(put.status == 200)
            #expect(await h.emulator.faults().rateLimitCreates == 1)
            let limited = try await h.post(json: Self.body)
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "3")
            let recordReply = try await h.send(.GET, "/_emulator/record", auth: nil)
            let record = try JSONDecoder().decode(EmulatorRecord.self, from: Data(recordReply.body))
            #expect(record.requests.count == 1)
            #expect(record.requests.first?.fault == "rate_limit")
            #expect(record.requests.first?.fields["prompt"] == "a quiet harbour")
            let reset = try await h.send(.POST, "/_emulator/reset", auth: nil)
            #expect(reset.status == 204)
            #expect(await h.emulator.record().requests.isEmpty)
            // Counters restart with a new plan set through the API.
            var plan = FaultPlan()
            plan.rateLimitCreates = 1
            await h.emulator.setFaults(plan)
            #expect(try await h.post(json: Self.body).status == 429)
            #expect(try await h.post(json: Self.body).status == 200)
            let bad = try await h.send(.PUT, "/_emulator/faults", body: Array("nope".utf8), auth: nil)
            #expect(bad.status == 400)
        }
    }
}
