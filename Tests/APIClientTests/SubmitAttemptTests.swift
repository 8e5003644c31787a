import Foundation
import Synchronization
import Testing

@testable import VeoClient
import VeoProvider

private let request = GenerationRequest(model: .fast, prompt: "p", seconds: .six, size: .landscape720)
private let queued = #"{"id":"video_1","object":"video","status":"queued","progress":0}"#

/// What `onAttempt` saw, with how many backoff sleeps the clock had seen at that moment.
private final class AttemptLog: Sendable {
    private let entries = Mutex<[(SubmitAttempt, Int)]>([])
    var attempts: [SubmitAttempt] { entries.withLock { $0.map(\.0) } }
    var sleepsSeen: [Int] { entries.withLock { $0.map(\.1) } }
    func record(_ attempt: SubmitAttempt, sleeps: Int) { entries.withLock { $0.append((attempt, sleeps)) } }
}

private struct JournalDown: Error {}

@Suite("Create: every attempt reported to the caller")
struct SubmitAttemptTests {
    @Test func refusedAttemptsAreReportedBeforeTheBackoff() async throws {
        let clock = InstantClock()
        let log = AttemptLog()
        try await withScriptedClient(
            script: { n in
                switch n {
                case 1: httpResponse("429 Too Many Requests", headers: ["Retry-After: 1"])
                case 2: httpResponse("503 Service Unavailable")
                default: httpResponse("200 OK", body: queued)
                }
            },
            clock: clock
        ) { server, client in
            let video = try await client.create(request, uploads: []) { log.record($0, sleeps: clock.sleeps.count) }
            #expect(video.id == "video_1")
            #expect(log.attempts == [
                .sending(attempt: 1), .notTaken(attempt: 1, httpStatus: 429),
                .sending(attempt: 2), .notTaken(attempt: 2, httpStatus: 503),
                .sending(attempt: 3),
            ])
            // Each refusal is reported before the backoff that follows it.
            #expect(log.sleepsSeen == [0, 0, 1, 1, 2])
            #expect(server.requestCount == 3)
        }
    }

    @Test func connectionFailuresAreNotTaken() async throws {
        let port = try await closedPort()
        var configuration = fastConfiguration(baseURL: "http://127.0.0.1:\(port)")
        configuration.submitRetry = RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), maxDelay: .seconds(1))
        let log = AttemptLog()
        try await VideoAPIClient.withClient(configuration: configuration, clock: InstantClock()) { client in
            let error = try await expectAPIError { _ = try await client.create(request, uploads: []) { log.record($0, sleeps: 0) } }
            #expect(error.kind == .unreachable)
            #expect(log.attempts == [
                .sending(attempt: 1), .notTaken(attempt: 1, httpStatus: nil),
                .sending(attempt: 2), .notTaken(attempt: 2, httpStatus: nil),
            ])
        }
    }

    @Test func aRefusedRequestIsNotTakenAndAnAmbiguousOneIsNot() async throws {
        let log = AttemptLog()
        try await withScriptedClient(script: { _ in httpResponse("400 Bad Request", body: #"{"error":{"message":"no"}}"#) }) { _, client in
            _ = try await expectAPIError { _ = try await client.create(request, uploads: []) { log.record($0, sleeps: 0) } }
            #expect(log.attempts == [.sending(attempt: 1), .notTaken(attempt: 1, httpStatus: 400)])
        }
        let ambiguous = AttemptLog()
        try await withScriptedClient(script: { _ in nil }) { _, client in
            let error = try await expectAPIError { _ = try await client.create(request, uploads: []) { ambiguous.record($0, sleeps: 0) } }
            #expect(error.kind == .ambiguousSubmission)
            #expect(ambiguous.attempts == [.sending(attempt: 1)])
        }
    }

    @Test(arguments: [1, 2])
    func whenTheCallbackThrowsOnSendingNothingIsSent(failingAttempt: Int) async throws {
        try await withScriptedClient(script: { _ in httpResponse("429 Too Many Requests") }) { server, client in
            do {
                _ = try await client.create(request, uploads: []) { attempt in
                    if attempt == .sending(attempt: failingAttempt) { throw JournalDown() }
                }
                Issue.record("expected the callback's error")
            } catch is JournalDown {
                #expect(server.requestCount == failingAttempt - 1)
            }
        }
    }
}

@Suite("Ambiguous submissions say what happened")
struct AmbiguousMessageTests {
    private static let notResent = "; the job may have been created, so it is not re-sent (check the provider's console before retrying)"

    @Test(arguments: [
        (ScriptedReply.close, "the create request was sent but no answer came (the server closed the connection)"),
        (.raw(httpResponse("502 Bad Gateway", body: #"{"error":{"message":"upstream"}}"#)), #"the create request was sent and the server answered HTTP 502 ("upstream")"#),
        (.raw(httpResponse("200 OK", body: "<html>oops</html>")), #"the create request was sent and the server answered HTTP 200, but the answer is not a video object: "<html>oops</html>""#),
        (.raw(httpResponse("201 Created")), "the create request was sent and the server answered HTTP 201, but the answer is empty (not a video object)"),
        (.raw("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"id\""), "the create request was sent and the server began an answer (HTTP 200) that did not finish (the server closed the connection)"),
    ])
    func eachAmbiguousSubmissionSaysWhatHappened(reply: ScriptedReply, expected: String) async throws {
        try await withScriptedClient(replies: { _, _ in reply }) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission)
            #expect(error.message == expected + Self.notResent)
            #expect(server.requestCount == 1)
        }
    }
}
