import Foundation
import Testing

@testable import VeoClient
import VeoProvider

@Suite("Retry policy, Retry-After, statuses, request bodies (no network)")
struct RetryLogicTests {
    @Test func backoffGrowsExponentiallyAndIsCapped() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), maxDelay: .seconds(10), multiplier: 2, jitter: 0)
        let delays = (1...6).map { policy.backoff(beforeRetry: $0, random: 0.9) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test func jitterOnlyShortensWithinItsFraction() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: .seconds(4), maxDelay: .seconds(60), jitter: 0.5)
        #expect(policy.backoff(beforeRetry: 1, random: 0) == .seconds(4))
        #expect(policy.backoff(beforeRetry: 1, random: 0.5) == .seconds(3))
        #expect(policy.backoff(beforeRetry: 1, random: 0.999_999) > .seconds(2))
        #expect(policy.backoff(beforeRetry: 3, random: 0.999_999) <= .seconds(16))
    }

    @Test func retryAfterIsAFloorAndTooLongGivesUp() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: .seconds(1), maxDelay: .seconds(30), jitter: 0)
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(7), random: 0) == .seconds(7))
        #expect(policy.delay(beforeRetry: 4, retryAfter: .seconds(2), random: 0) == .seconds(8))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(31), random: 0) == nil)
        #expect(policy.delay(beforeRetry: 1, retryAfter: nil, random: 0) == .seconds(1))
    }

    @Test func defaultScopesAreSeparateAndBounded() {
        for policy in [RetryPolicy.submit, .poll, .download] {
            #expect(policy.maxAttempts > 1 && policy.maxAttempts <= 10)
            #expect(policy.maxDelay <= .seconds(120))
        }
        let configuration = VideoAPIClientConfiguration(apiKey: APIKey("k"))
        #expect(configuration.baseURL == "https://models.hingnet.com.cn")
        #expect(configuration.submitRetry == .submit && configuration.pollRetry == .poll && configuration.downloadRetry == .download)
    }

    @Test func everyExchangeHasFiniteDefaultLimits() {
        let configuration = VideoAPIClientConfiguration(apiKey: APIKey("k"))
        #expect(configuration.idleTimeout == .seconds(30) && configuration.downloadIdleTimeout == .seconds(60))
        #expect(configuration.requestTimeout <= .seconds(120) && configuration.downloadTimeout <= .seconds(3600))
        #expect(configuration.maxDownloadBytes == 2 << 30)
        let http = VideoAPIClient.httpClientConfiguration(for: configuration)
        #expect(http.timeout.read == .seconds(120) && http.timeout.connect == .seconds(10))
    }

    @Test func parsesRetryAfterSecondsAndDates() throws {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(" 0 ") == .zero)
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.parse("-3") == nil)
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:27:30Z"))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wednesday, 21-Oct-15 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed Oct 21 07:28:00 2015", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
    }

    @Test(arguments: [
        ("queued", false), ("in_progress", false), ("completed", true), ("failed", true), ("expired", true),
        ("processing", false), ("NOT_START", false), ("running", false),
    ])
    func statusesAreNormalised(raw: String, terminal: Bool) {
        #expect(VideoStatus(rawValue: raw).isTerminal == terminal)
        #expect(VideoStatus(rawValue: raw).rawValue == raw)
    }

    @Test func keyIsRedactedEverywhere() {
        let key = APIKey(testKey)
        #expect("\(key)" == "<redacted>")
        #expect(String(reflecting: key) == "APIKey(<redacted>)")
        let configuration = VideoAPIClientConfiguration(apiKey: key)
        #expect(!"\(configuration)".contains(testKey))
        #expect(!String(reflecting: configuration).contains(testKey))
    }

    @Test func decodesLenientVideoObjects() throws {
        let json = #"{"id":"v1","status":"processing","progress":"42","seconds":"8","created_at":1761234567,"error":{"code":"x","message":"m"}}"#
        let video = try VideoObjectWire.decode(.init(string: json))
        #expect(video.status == .unknown("processing"))
        #expect(video.progress == 42 && video.seconds == 8 && video.createdAt == 1_761_234_567)
        #expect(video.error == VideoJobError(code: "x", message: "m"))
    }

    @Test func multipartKeepsFilesInOrderAndEscapesNames() {
        let body = MultipartBody(
            fields: [("model", "m"), ("prompt", "p")],
            files: [
                .init(field: "input_reference", filename: "first\".png", contentType: "image/png", bytes: .init(string: "AAA")),
                .init(field: "input_reference", filename: "last.png", contentType: "image/png", bytes: .init(string: "BBB")),
            ],
            boundary: "B"
        )
        let text = body.chunks.map { String(buffer: $0) }.joined()
        #expect(body.length == Int64(text.utf8.count))
        #expect(text.hasSuffix("--B--\r\n"))
        let first = text.range(of: "filename=\"first%22.png\"")
        let last = text.range(of: "filename=\"last.png\"")
        #expect(first != nil && last != nil && first!.lowerBound < last!.lowerBound)
        #expect(text.contains("\r\n\r\nAAA\r\n--B\r\n"))
        #expect(text.contains("name=\"model\"\r\n\r\nm\r\n"))
    }
}
