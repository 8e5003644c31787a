import Foundation
import Testing

@testable import VeoClient
import VeoProvider

private let request = GenerationRequest(model: .fast, prompt: "p", seconds: .six, size: .landscape720)
private let queued = #"{"id":"video_1","object":"video","status":"queued","progress":0}"#

@Suite("Client against scripted raw HTTP answers")
struct ScriptedServerTests {
    @Test func connectionClosedAfterTheCreateWasSentIsAmbiguous() async throws {
        try await withScriptedClient(script: { _ in nil }) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission)
            #expect(server.requestCount == 1)
        }
    }

    @Test func readTimeoutAfterTheCreateWasSentIsAmbiguous() async throws {
        // The server starts an answer and stalls: the per-request timeout fires after the body went out.
        try await withScriptedClient(
            script: { _ in "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{" },
            adjust: { $0.requestTimeout = .milliseconds(300) }
        ) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission)
            #expect(server.requestCount == 1)
        }
    }

    @Test(arguments: [500, 502, 504])
    func gatewayErrorsOnCreateAreAmbiguous(status: Int) async throws {
        try await withScriptedClient(script: { _ in httpResponse("\(status) Oops", body: #"{"error":{"message":"upstream"}}"#) }) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission && error.httpStatus == status)
            #expect(server.requestCount == 1)
        }
    }

    @Test(arguments: [500, 502, 503, 504])
    func gatewayErrorsOnPollsAreRetried(status: Int) async throws {
        try await withScriptedClient(script: { n in
            n < 3 ? httpResponse("\(status) Oops") : httpResponse("200 OK", body: queued)
        }) { server, client in
            let (video, _) = try await client.retrieve(id: "video_1")
            #expect(video.status == .queued)
            #expect(server.requestCount == 3)
        }
    }

    @Test func connectionRefusedCreateIsRetriedAndNotAmbiguous() async throws {
        let port = try await closedPort()
        let clock = InstantClock()
        var configuration = fastConfiguration(baseURL: "http://127.0.0.1:\(port)")
        configuration.submitRetry = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), maxDelay: .seconds(5), jitter: 0)
        try await VideoAPIClient.withClient(configuration: configuration, clock: clock) { client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .unreachable)
            #expect("\(error)" == "cannot connect to http://127.0.0.1:\(port): connection refused (gave up after 3 attempts)")
            #expect(clock.sleeps == [.seconds(1), .seconds(2)])
        }
    }

    @Test func errorBodyFieldsAreKept() async throws {
        let body = #"{"error":{"message":"Invalid size 'x'.","type":"invalid_request_error","code":"invalid_value","param":"size"}}"#
        try await withScriptedClient(script: { _ in httpResponse("400 Bad Request", body: body) }) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .badRequest && error.httpStatus == 400 && error.code == "invalid_value" && error.param == "size")
            #expect("\(error)" == "HTTP 400 invalid_value: Invalid size 'x'. (field: size)")
            #expect(server.requestCount == 1)
        }
    }

    @Test func aServerEchoingTheKeyIsRedacted() async throws {
        let body = #"{"error":{"message":"bad key Bearer \#(testKey)","code":"invalid_api_key"}}"#
        try await withScriptedClient(script: { _ in httpResponse("403 Forbidden", body: body) }) { _, client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "v") }
            #expect(error.kind == .unauthorized && error.message.contains("<redacted>"))
        }
    }

    @Test func retryAfterHTTPDateIsHonoured() async throws {
        let clock = InstantClock()
        let date = Date().addingTimeInterval(20)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let header = "Retry-After: " + formatter.string(from: date)
        try await withScriptedClient(
            script: { n in n == 1 ? httpResponse("429 Too Many", headers: [header]) : httpResponse("200 OK", body: queued) },
            clock: clock
        ) { server, client in
            _ = try await client.create(request)
            #expect(server.requestCount == 2)
            let slept = try #require(clock.sleeps.first)
            #expect(slept >= .seconds(17) && slept <= .seconds(21))
        }
    }

    @Test func pollHintIsHonouredButNeverBelowTheFloor() async throws {
        let clock = InstantClock()
        let inProgress = #"{"id":"video_1","status":"in_progress","progress":10}"#
        let done = #"{"id":"video_1","status":"completed","progress":100}"#
        try await withScriptedClient(
            script: { n in
                switch n {
                case 1: httpResponse("200 OK", headers: ["openai-poll-after-ms: 15000"], body: inProgress)
                case 2: httpResponse("200 OK", headers: ["openai-poll-after-ms: 5"], body: inProgress)
                case 3: httpResponse("200 OK", body: inProgress)
                default: httpResponse("200 OK", body: done)
                }
            },
            clock: clock,
            adjust: {
                $0.minimumPollInterval = .seconds(2)
                $0.pollJitter = 0
            }
        ) { _, client in
            let video = try await client.waitForCompletion(id: "video_1", pollInterval: .seconds(8), timeout: .seconds(600)) { _ in }
            #expect(video.status == .completed)
            #expect(clock.sleeps == [.seconds(15), .seconds(2), .seconds(8)])
        }
    }

    @Test func jitterAppliesToTheRequestedIntervalNotToTheServersHint() async throws {
        let clock = InstantClock()
        let inProgress = #"{"id":"video_1","status":"in_progress","progress":10}"#
        let done = #"{"id":"video_1","status":"completed","progress":100}"#
        try await withScriptedClient(
            script: { n in
                switch n {
                case 1: httpResponse("200 OK", headers: ["openai-poll-after-ms: 3000"], body: inProgress)
                case 2: httpResponse("200 OK", body: inProgress)
                default: httpResponse("200 OK", body: done)
                }
            },
            clock: clock,
            adjust: {
                $0.minimumPollInterval = .seconds(1)
                $0.pollJitter = 0.5
                $0.random = { 1 }
            }
        ) { _, client in
            _ = try await client.waitForCompletion(id: "video_1", pollInterval: .seconds(8), timeout: .seconds(600)) { _ in }
            // The hint exactly; the requested 8 s plus the full 50 % jitter.
            #expect(clock.sleeps == [.seconds(3), .seconds(12)])
        }
    }

    @Test func expiredJobIsJobFailed() async throws {
        let expired = #"{"id":"video_1","status":"expired"}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: expired) }) { _, client in
            let error = try await expectAPIError {
                _ = try await client.waitForCompletion(id: "video_1", pollInterval: .seconds(8), timeout: .seconds(60)) { _ in }
            }
            #expect(error.kind == .jobFailed && error.code == "expired")
        }
    }

    @Test func wrongContentLengthIsTruncationAndLeavesNoFile() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Claims 4096 bytes, sends 16 (an MP4 start) and closes.
        let partial = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 4096\r\n\r\n\0\0\0\u{18}ftypisom\0\0\0\0"
        try await withScriptedClient(script: { _ in partial }) { server, client in
            let destination = directory + "/out.mp4"
            let error = try await expectAPIError {
                _ = try await client.download(VideoObject(id: "video_1", status: .completed), to: destination)
            }
            #expect(error.kind == .download && error.message.contains("truncated"))
            #expect(server.requestCount == RetryPolicy.download.maxAttempts)
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(leftovers(in: directory).isEmpty)
        }
    }

    @Test func downloadOfAnErrorAnswerIsNotWritten() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(script: { _ in httpResponse("404 Not Found", body: #"{"error":{"message":"gone","code":"video_not_found"}}"#) }) { _, client in
            let destination = directory + "/out.mp4"
            let error = try await expectAPIError {
                _ = try await client.download(VideoObject(id: "video_1", status: .completed), to: destination)
            }
            #expect(error.httpStatus == 404 && error.code == "video_not_found")
            #expect(!FileManager.default.fileExists(atPath: destination))
        }
    }
}
