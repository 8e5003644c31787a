import Foundation
import Testing

@testable import VeoClient
import VeoProvider

private let request = GenerationRequest(model: .fast, prompt: "p", seconds: .six, size: .landscape720)
private let completed = VideoObject(id: "video_1", status: .completed)

private func head(_ headers: [String]) -> String {
    "HTTP/1.1 200 OK\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
}

/// The job's deadline (`--job-timeout`) bounds a create and a download however slowly the server
/// sends, whatever the client's own per-attempt limits say (issue 24, items 17 and 25).
@Suite("Exchanges bounded by the job's deadline")
struct JobDeadlineTests {
    /// The client's own limits are the defaults (2 min per create attempt, 30 min per download
    /// attempt, a minute idle): a drip every 50 ms never trips them.
    @Test func aTrickledDownloadEndsAtTheJobsDeadlineAndIsNotRetried() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(
            replies: { _, _ in .trickle(head: head(["Content-Type: video/mp4", "Content-Length: 1000000"]), every: .milliseconds(50)) },
            adjust: {
                $0.downloadIdleTimeout = .seconds(60)
                $0.downloadTimeout = .seconds(30 * 60)
            }
        ) { server, client in
            let started = ContinuousClock.now
            let error = try await finishing(within: .seconds(10)) {
                try await JobDeadline.$current.withValue(ContinuousClock.now + .seconds(1.5)) {
                    try await expectAPIError { _ = try await client.download(completed, to: directory + "/out.mp4") }
                }
            }
            #expect(ContinuousClock.now - started < .seconds(6))
            #expect(error.kind == .deadlineExceeded)
            #expect(error.message.hasPrefix("the download did not finish in the job's time limit ("))
            #expect(server.requestCount == 1)
            #expect(leftovers(in: directory).isEmpty)
        }
    }

    @Test func aCreateAnsweredByteByByteEndsAtTheJobsDeadlineAsAmbiguous() async throws {
        try await withScriptedClient(
            replies: { _, _ in .trickle(head: head(["Content-Type: application/json", "Content-Length: 100000"]), every: .milliseconds(50)) },
            adjust: {
                $0.idleTimeout = .seconds(30)
                $0.requestTimeout = .seconds(120)
            }
        ) { server, client in
            let started = ContinuousClock.now
            let error = try await finishing(within: .seconds(10)) {
                try await JobDeadline.$current.withValue(ContinuousClock.now + .seconds(1.5)) {
                    try await expectAPIError { _ = try await client.create(request) }
                }
            }
            #expect(ContinuousClock.now - started < .seconds(6))
            #expect(error.kind == .ambiguousSubmission)
            #expect(error.message.contains("(the job's time limit ran out)"))
            #expect(server.requestCount == 1)
        }
    }

    @Test func noCreateAttemptStartsPastTheDeadline() async throws {
        try await withScriptedClient(script: { _ in httpResponse("503 Service Unavailable", headers: ["Retry-After: 0"]) }) { server, client in
            let error = try await JobDeadline.$current.withValue(ContinuousClock.now - .seconds(1)) {
                try await expectAPIError { _ = try await client.create(request) }
            }
            #expect(error.kind == .deadlineExceeded)
            #expect(server.requestCount == 0)
        }
    }

    @Test func withoutADeadlineTheClientsOwnLimitsHold() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(
            replies: { _, _ in .stream(head: head(["Content-Length: 100000"]), prefix: mp4Start, total: 100_000, chunked: false) }
        ) { _, client in
            let result = try await client.download(completed, to: directory + "/out.mp4")
            #expect(result.bytes == 100_000)
        }
    }
}
