import Foundation
import Testing

@testable import VeoClient
import VeoProvider

private let request = GenerationRequest(model: .fast, prompt: "p", seconds: .six, size: .landscape720)
private let queued = #"{"id":"video_1","object":"video","status":"queued","progress":0}"#
private let completed = VideoObject(id: "video_1", status: .completed)

private func head(_ headers: [String], status: String = "200 OK") -> String {
    "HTTP/1.1 \(status)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
}

/// Small real timeouts: a drip of a byte every 50 ms never trips the 1 s idle limit (generous for
/// a loaded machine), the 2 s overall limit ends it.
private func shortTimeouts(_ configuration: inout VideoAPIClientConfiguration) {
    configuration.idleTimeout = .seconds(1)
    configuration.requestTimeout = .seconds(2)
    configuration.downloadIdleTimeout = .seconds(1)
    configuration.downloadTimeout = .seconds(2)
}

@Suite("Servers that drip, stall or never finish")
struct StalledServerTests {
    @Test func aCreateAnswerDrippedByteByByteIsCutOffAndAmbiguous() async throws {
        let drip = head(["Content-Type: application/json", "Content-Length: 100000"])
        try await withScriptedClient(
            replies: { _, _ in .trickle(head: drip, every: .milliseconds(50)) },
            adjust: {
                $0.idleTimeout = .seconds(1)
                $0.requestTimeout = .seconds(2)
            }
        ) { server, client in
            let error = try await finishing(within: .seconds(6)) {
                try await expectAPIError { _ = try await client.create(request) }
            }
            #expect(error.kind == .ambiguousSubmission)
            #expect(error.message.hasPrefix(
                "the create request was sent and the server began an answer (HTTP 200) that did not finish (it took longer than 2 s)"))
            #expect(server.requestCount == 1)
        }
    }

    @Test(arguments: [false, true])
    func aStalledCreateEndsAfterTheIdleTimeoutAndIsNeverResent(headSent: Bool) async throws {
        let reply: ScriptedReply = headSent ? .trickle(head: head(["Content-Length: 500"]), every: .seconds(60)) : .silence
        try await withScriptedClient(
            replies: { _, _ in reply },
            adjust: {
                $0.idleTimeout = .seconds(1)
                $0.requestTimeout = .seconds(30)
            }
        ) { server, client in
            let error = try await finishing(within: .seconds(6)) {
                try await expectAPIError { _ = try await client.create(request) }
            }
            #expect(error.kind == .ambiguousSubmission)
            let expected = headSent
                ? "the create request was sent and the server began an answer (HTTP 200) that did not finish (nothing came for 1 s)"
                : "the create request was sent but no answer came (nothing came for 1 s)"
            #expect(error.message.hasPrefix(expected))
            #expect(server.requestCount == 1)
        }
    }

    @Test func aDrippedPollIsCutOffAndRetried() async throws {
        let drip = head(["Content-Length: 100000"])
        try await withScriptedClient(
            replies: { n, _ in n == 1 ? .trickle(head: drip, every: .milliseconds(50)) : .raw(httpResponse("200 OK", body: queued)) },
            adjust: shortTimeouts
        ) { server, client in
            let (video, _) = try await finishing(within: .seconds(6)) { try await client.retrieve(id: "video_1") }
            #expect(video.status == .queued)
            #expect(server.requestCount == 2)
        }
    }

    @Test func aPollThatNeverAnswersGivesUpWithinItsScope() async throws {
        try await withScriptedClient(
            replies: { _, _ in .silence },
            adjust: {
                shortTimeouts(&$0)
                $0.pollRetry = RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), maxDelay: .seconds(1))
            }
        ) { server, client in
            let error = try await finishing(within: .seconds(6)) {
                try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            }
            #expect(error.kind == .transport)
            #expect(error.message == "no answer from \(server.baseURL): nothing came for 1 s (gave up after 2 attempts)")
            #expect(server.requestCount == 2)
        }
    }

    @Test func aDrippedDownloadIsCutOffAndRetried() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = head(["Content-Length: 100000"])
        try await withScriptedClient(
            replies: { n, _ in
                n == 1
                    ? .trickle(head: head(["Content-Length: 1000000"]), every: .milliseconds(50))
                    : .stream(head: good, prefix: mp4Start, total: 100_000, chunked: false)
            },
            adjust: shortTimeouts
        ) { server, client in
            let destination = directory + "/out.mp4"
            let result = try await finishing(within: .seconds(6)) { try await client.download(completed, to: destination) }
            #expect(result.bytes == 100_000)
            #expect(server.requestCount == 2)
            #expect(leftovers(in: directory) == ["out.mp4"])
        }
    }

    @Test func aDownloadThatStallsIsRetriedThenFailsLeavingNothing() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(
            replies: { _, _ in .trickle(head: head(["Content-Length: 1000000"]), every: .seconds(60)) },
            adjust: {
                shortTimeouts(&$0)
                $0.downloadRetry = RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), maxDelay: .seconds(1))
            }
        ) { server, client in
            let destination = directory + "/out.mp4"
            let error = try await finishing(within: .seconds(6)) {
                try await expectAPIError { _ = try await client.download(completed, to: destination) }
            }
            #expect(error.kind == .download)
            #expect(error.message.hasPrefix("the download stopped: nothing came for 1 s (0 bytes received)"))
            #expect(error.message.hasSuffix("(gave up after 2 attempts)"))
            #expect(server.requestCount == 2)
            #expect(leftovers(in: directory).isEmpty)
        }
    }
}

@Suite("Download size limits")
struct DownloadSizeLimitTests {
    @Test func anAnnouncedLengthOverTheLimitIsRefusedBeforeWritingAndNotRetried() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writes = WriteCounter()
        // Announces 10 GiB, sends 1 MiB.
        let huge = head(["Content-Type: video/mp4", "Content-Length: 10737418240"])
        try await withScriptedClient(
            replies: { _, _ in .stream(head: huge, prefix: mp4Start, total: 1 << 20, chunked: false) },
            writeBytes: writes.writeBytes
        ) { server, client in
            let destination = directory + "/out.mp4"
            let error = try await expectAPIError { _ = try await client.download(completed, to: destination) }
            #expect(error.kind == .download)
            #expect(error.message.contains("10737418240") && error.message.contains("2147483648"))
            #expect(writes.bytes == 0)
            #expect(server.requestCount == 1)
            #expect(leftovers(in: directory).isEmpty)
        }
    }

    @Test func aPerCallLimitRefusesALargerAnnouncedLength() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writes = WriteCounter()
        let twoMiB = head(["Content-Length: 2097152"])
        try await withScriptedClient(
            replies: { _, _ in .stream(head: twoMiB, prefix: mp4Start, total: 2 << 20, chunked: false) },
            writeBytes: writes.writeBytes
        ) { server, client in
            let error = try await expectAPIError {
                _ = try await client.download(completed, to: directory + "/out.mp4", maxBytes: 1 << 20)
            }
            #expect(error.kind == .download)
            #expect(error.message.contains("2097152") && error.message.contains("1048576"))
            #expect(writes.bytes == 0)
            #expect(server.requestCount == 1)
        }
    }

    /// (configuration limit, per-call limit, the limit that applies)
    @Test(arguments: [
        (Int64(1 << 20), Int64?.none, Int64(1 << 20)),
        (Int64(2 << 30), Int64?.some(1 << 20), Int64(1 << 20)),
        (Int64(512 << 10), Int64?.some(1 << 20), Int64(512 << 10)),
    ])
    func anUnannouncedBodyIsCutOffAtTheLimit(configured: Int64, perCall: Int64?, applies: Int64) async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writes = WriteCounter()
        let chunked = head(["Content-Type: video/mp4", "Transfer-Encoding: chunked"])
        let total = 256 << 20
        try await withScriptedClient(
            replies: { _, _ in .stream(head: chunked, prefix: mp4Start, total: total, chunked: true) },
            adjust: { $0.maxDownloadBytes = configured },
            writeBytes: writes.writeBytes
        ) { server, client in
            let destination = directory + "/out.mp4"
            let error = try await finishing(within: .seconds(6)) {
                try await expectAPIError { _ = try await client.download(completed, to: destination, maxBytes: perCall) }
            }
            #expect(error.kind == .download)
            #expect(error.message.contains("the \(applies)-byte limit"))
            #expect(writes.bytes <= Int(applies))
            #expect(server.bodyBytesWritten < total / 4)
            #expect(server.requestCount == 1)
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(leftovers(in: directory).isEmpty)
        }
    }

    @Test func aChunkedBodyUnderTheLimitIsDownloaded() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let chunked = head(["Transfer-Encoding: chunked"])
        try await withScriptedClient(
            replies: { _, _ in .stream(head: chunked, prefix: mp4Start, total: 300_000, chunked: true) }
        ) { _, client in
            let result = try await client.download(completed, to: directory + "/out.mp4", maxBytes: 300_000)
            #expect(result.bytes == 300_000)
        }
    }
}

@Suite("Redirects and video ids the client refuses")
struct RefusedTargetTests {
    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/clip.mp4", "javascript:alert(1)"])
    func aRedirectToAnotherSchemeFailsAtOnce(location: String) async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withScriptedClient(script: { _ in httpResponse("302 Found", headers: ["Location: \(location)"]) }) { server, client in
            let error = try await expectAPIError { _ = try await client.download(completed, to: directory + "/out.mp4") }
            #expect(error.kind == .download)
            #expect(error.message.contains("only http and https redirects are followed"))
            #expect(error.message.contains(location))
            #expect(server.requestCount == 1)
            #expect(leftovers(in: directory).isEmpty)
        }
    }

    @Test func aPollAnsweredWithAnotherVideoIsRefused() async throws {
        let other = #"{"id":"video_2","status":"completed"}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: other) }) { server, client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            #expect(error.kind == .invalidResponse)
            #expect(error.message.contains("video_1") && error.message.contains("\"video_2\""))
            #expect(server.requestCount == 1)
            let waited = try await expectAPIError {
                _ = try await client.waitForCompletion(id: "video_1", pollInterval: .seconds(1), timeout: .seconds(10)) { _ in }
            }
            #expect(waited.kind == .invalidResponse)
        }
    }

    @Test(arguments: ["", ".", "..", "a/b", "video_1?x=1", "%2e%2e", "\u{1B}[2J", String(repeating: "v", count: 201)])
    func aRequestForAnInvalidIdIsNeverSent(id: String) async throws {
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: queued) }) { server, client in
            let polled = try await expectAPIError { _ = try await client.retrieve(id: id) }
            #expect(polled.kind == .badRequest && polled.message.hasSuffix("nothing was sent"))
            #expect(!polled.message.unicodeScalars.contains { $0.value < 0x20 })
            let downloaded = try await expectAPIError {
                _ = try await client.download(VideoObject(id: id, status: .completed), to: NSTemporaryDirectory() + "never.mp4")
            }
            #expect(downloaded.kind == .badRequest)
            #expect(server.requestCount == 0)
        }
    }

    @Test(arguments: [
        (#"video\u001b]0;pwned\u0007"#, #"video\u{1B}]0;pwned\u{7}"#),
        ("../../etc/passwd", "../../etc/passwd"),
        ("video_1\\r\\nX-Evil: 1", #"video_1\u{D}\u{A}X-Evil: 1"#),
        (#"video_\u202Egnp.exe"#, #"video_\u{202E}gnp.exe"#),
        ("", ""),
    ])
    func aCreatedVideoWithAnInvalidIdIsAmbiguousAndEscaped(json: String, shown: String) async throws {
        let body = #"{"id":""# + json + #"","status":"queued"}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: body) }) { server, client in
            let error = try await expectAPIError { _ = try await client.create(request) }
            #expect(error.kind == .ambiguousSubmission)
            #expect(error.message.contains("the video id in the answer is not valid: \"\(shown)\""))
            #expect(!error.message.unicodeScalars.contains(where: ServerText.needsEscape))
            #expect(server.requestCount == 1)
        }
    }

    @Test func aPolledVideoWithAnInvalidIdIsInvalidAndNotRetried() async throws {
        let body = #"{"id":"..","status":"completed"}"#
        try await withScriptedClient(script: { _ in httpResponse("200 OK", body: body) }) { server, client in
            let error = try await expectAPIError { _ = try await client.retrieve(id: "video_1") }
            #expect(error.kind == .invalidResponse && error.message.contains("invalid video id"))
            #expect(server.requestCount == 1)
        }
    }
}
