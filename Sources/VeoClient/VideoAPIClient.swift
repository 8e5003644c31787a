public import AsyncHTTPClient
public import Logging
import Foundation
import VeoProvider
import VeoSupport
import NIOCore
import NIOHTTP1

// MARK: - The video API client

/// Talks to the provider's OpenAI-style video API: create, retrieve, wait, download.
///
/// Three retry scopes (submit, poll, download), each with its own ``RetryPolicy``. A create (`POST`)
/// is re-sent only when the server provably did not take it: an answer of 429, 503 or 408, or a
/// failure before any byte of the request body was handed to the connection (connect refused,
/// connect timeout, DNS…). Any other failure after the request went out throws
/// ``VideoAPIError/Kind/ambiguousSubmission`` and is never re-sent, so a job is never paid twice.
///
/// Every exchange is bounded in real time: no bytes for an idle timeout, or longer than an overall
/// timeout, ends it (``VideoAPIClientConfiguration``). Every string a server sent is passed on
/// with the API key redacted and control characters escaped (``ServerText``); video ids from the
/// server must be valid (``VideoID``).
///
/// All sleeps (backoff, polling) and the per-job deadline use the injected clock.
public final class VideoAPIClient: Sendable {
    public let configuration: VideoAPIClientConfiguration
    let httpClient: HTTPClient
    let clock: any Clock<Duration>
    let logger: Logger
    /// `write(2)` for downloads; returns the count written or `-errno`. A seam for disk-full tests.
    let writeBytes: @Sendable (Int32, UnsafeRawBufferPointer) -> Int
    /// The run-wide pace of status requests, shared by every job this client waits for.
    let pollPacer: PollPacer
    /// The render times seen in this run (``PollPlanning/learned``).
    let renderHistory = RenderHistory()
    /// Time since the client was made, on its clock: the common time base of its jobs' waits.
    let sinceStart: @Sendable () -> Duration

    public convenience init(
        configuration: VideoAPIClientConfiguration, httpClient: HTTPClient,
        clock: any Clock<Duration> = ContinuousClock(), logger: Logger = Logger(label: "veo.api")
    ) {
        self.init(
            configuration: configuration, httpClient: httpClient, clock: clock, logger: logger,
            writeBytes: VideoAPIClient.posixWrite
        )
    }

    init(
        configuration: VideoAPIClientConfiguration, httpClient: HTTPClient, clock: any Clock<Duration>,
        logger: Logger, writeBytes: @escaping @Sendable (Int32, UnsafeRawBufferPointer) -> Int
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.clock = clock
        self.logger = logger
        self.writeBytes = writeBytes
        self.pollPacer = PollPacer(perSecond: configuration.pollsPerSecond, burst: configuration.pollBurst, clock: clock)
        self.sinceStart = Self.stopwatch(clock)
    }

    /// Runs `body` with a client backed by a new `HTTPClient` (one connection pool for the whole run),
    /// and shuts that `HTTPClient` down when `body` returns or throws.
    public static func withClient<T: Sendable>(
        configuration: VideoAPIClientConfiguration,
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "veo.api"),
        _ body: (VideoAPIClient) async throws -> T
    ) async throws -> T {
        let httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: httpClientConfiguration(for: configuration)
        )
        let client = VideoAPIClient(configuration: configuration, httpClient: httpClient, clock: clock, logger: logger)
        let result: T
        do {
            result = try await body(client)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
        return result
    }

    /// The `HTTPClient` settings this client expects: its connect and read timeouts, redirects
    /// handled by the client itself (so it can drop the key on cross-origin hops and name loops),
    /// and no hidden connection retries inside the pool (the client's own policies decide).
    public static func httpClientConfiguration(for configuration: VideoAPIClientConfiguration) -> HTTPClient.Configuration {
        // The read timeout is a backstop, twice the longer idle limit: the client's own watchdog
        // (idle and overall limits, `withTransferLimits`) ends stalled exchanges first.
        let idle = max(configuration.idleTimeout, configuration.downloadIdleTimeout) * 2
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: timeAmount(configuration.connectTimeout), read: timeAmount(idle)),
            decompression: .disabled
        )
        http.connectionPool.retryConnectionEstablishment = false
        // Reads of up to 1 MiB (NIO's default stops at 64 KiB): a video download then arrives in a
        // few hundred parts instead of thousands, each a hand-off between the network thread and
        // the task writing the file. Small answers keep small buffers (the allocator adapts).
        http.http1_1ConnectionDebugInitializer = { channel in
            channel.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 512 << 10))
        }
        return http
    }

    // MARK: - Text from the server

    /// Removes the API key from any text that may come from elsewhere (server messages, errors).
    func redact(_ text: String) -> String {
        let key = configuration.apiKey.value
        guard !key.isEmpty else { return text }
        return text.replacingOccurrences(of: key, with: "<redacted>")
    }

    /// A string the server sent, fit to pass on: the key redacted, at most `limit` characters,
    /// control characters escaped.
    func fromServer(_ text: String, limit: Int = 500) -> String {
        ServerText.excerpt(redact(text), limit: limit)
    }

    /// The start of a body the server sent, as text fit to pass on (see `fromServer`). The key is
    /// redacted before the cut, and a key cut in half at the end of what was read is dropped.
    func excerpt(of body: ByteBuffer, limit: Int = 300) -> String {
        let readLimit = 4096
        let bytes = body.getSlice(at: body.readerIndex, length: min(body.readableBytes, readLimit)) ?? ByteBuffer()
        var text = redact(String(decoding: bytes.readableBytesView, as: UTF8.self))
        if body.readableBytes > readLimit {
            text = String(text.dropLast(configuration.apiKey.value.count))
        }
        return fromServer(text.trimmingCharacters(in: .whitespacesAndNewlines), limit: limit)
    }

    /// A video object as the server sent it, every string in it fit to pass on (its id is checked
    /// apart, before this).
    func cleaned(_ video: VideoObject) -> VideoObject {
        var video = video
        video.status = VideoStatus(rawValue: fromServer(video.status.rawValue, limit: 100))
        video.model = video.model.map { fromServer($0, limit: 100) }
        video.size = video.size.map { fromServer($0, limit: 100) }
        video.videoURL = video.videoURL.map { fromServer($0, limit: 2000) }
        video.error = video.error.map {
            VideoJobError(code: $0.code.map { fromServer($0, limit: 100) }, message: $0.message.map { fromServer($0) })
        }
        return video
    }

    // MARK: - Helpers

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let parts = duration.components
        return .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }

    /// Refuses an id that is not a valid video id before anything is sent.
    func checkRequestedID(_ id: String) throws {
        guard VideoID.isValid(id) else {
            throw VideoAPIError(
                kind: .badRequest,
                message: "\"\(fromServer(id, limit: 100))\" is not a video id (1 to \(VideoID.maxLength) of A-Z a-z 0-9 . _ -, "
                    + "not . or ..); nothing was sent"
            )
        }
    }

    /// The URL of a video (its id already checked: it needs no escaping).
    func videoURL(_ id: String) -> String {
        configuration.root + "/v1/videos/" + id
    }
}
