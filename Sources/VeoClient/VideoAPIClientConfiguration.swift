public import Foundation
import VeoProvider

// MARK: - Client configuration

/// Everything the client needs to talk to the provider. The CLI fills it from `VEO_BASE_URL` /
/// `--base-url` and `VEO_API_KEY`.
public struct VideoAPIClientConfiguration: Sendable {
    /// The provider's production server (its OpenAPI `servers` entry).
    public static let defaultBaseURL = "https://models.hingnet.com.cn"

    /// The server root; requests go to `\(baseURL)/v1/videos`. A trailing `/` is ignored.
    public var baseURL: String
    /// Sent as `Authorization: Bearer …`; never logged nor put in an error.
    public var apiKey: APIKey
    /// TCP (and TLS) connection establishment.
    public var connectTimeout: Duration
    /// A create or poll attempt ends when no byte went out or came in for this long (the request
    /// body's upload counts). A stalled create whose body went out is an ambiguous submission.
    public var idleTimeout: Duration
    /// Upper bound for one create or poll attempt, answer included (its answer is a small JSON
    /// object: a server dripping it byte by byte is still cut off here).
    public var requestTimeout: Duration
    /// A download attempt ends when no byte came for this long; it is then retried.
    public var downloadIdleTimeout: Duration
    /// Upper bound for one download attempt (the body of a large MP4 takes longer than a JSON answer).
    public var downloadTimeout: Duration
    /// The largest download accepted, in bytes; `download(_:to:maxBytes:)` may lower it per call.
    /// A larger `Content-Length` is refused before anything is written; a body without one is cut
    /// off as soon as it passes the limit. Not retried.
    public var maxDownloadBytes: Int64
    public var submitRetry: RetryPolicy
    public var pollRetry: RetryPolicy
    public var downloadRetry: RetryPolicy
    /// Polls are never closer together than this, whatever the caller or the server's hint says.
    public var minimumPollInterval: Duration
    /// Up to this fraction of a poll interval is added at random (spreads the polls of parallel jobs).
    public var pollJitter: Double
    /// A job that reports progress is polled when it should complete, but never later than this
    /// after its last poll (nor sooner than the poll interval).
    public var maximumPollInterval: Duration
    /// Status requests per second for the whole client (every job it waits for shares them),
    /// after a burst of `pollBurst`; 0 means no limit.
    public var pollsPerSecond: Double
    public var pollBurst: Int
    /// `.plain` polls each job from its own answers only; `.learned` also uses the create's
    /// answer and this run's render times (``PollPlanning``).
    public var pollPlanning: PollPlanning
    /// Redirects followed by one download attempt before it fails.
    public var maxRedirects: Int
    /// Largest local image uploaded as an `input_reference` part (each is read once, into memory).
    public var maxImageBytes: Int
    /// Source of randomness for jitter: a value in `0..<1`. Tests inject a constant.
    public var random: @Sendable () -> Double
    /// The wall clock, to read a job's age from its `created_at`. Tests inject a fixed date.
    public var wallClock: @Sendable () -> Date

    public init(baseURL: String = defaultBaseURL, apiKey: APIKey) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.connectTimeout = .seconds(10)
        self.idleTimeout = .seconds(30)
        self.requestTimeout = .seconds(120)
        self.downloadIdleTimeout = .seconds(60)
        self.downloadTimeout = .seconds(30 * 60)
        self.maxDownloadBytes = 2 << 30
        self.submitRetry = .submit
        self.pollRetry = .poll
        self.downloadRetry = .download
        self.minimumPollInterval = .seconds(1)
        self.pollJitter = 0.1
        self.maximumPollInterval = .seconds(60)
        self.pollsPerSecond = 50
        self.pollBurst = 32
        self.pollPlanning = .learned
        self.maxRedirects = 5
        self.maxImageBytes = ProviderLimits.maxImageBytes
        self.random = { Double.random(in: 0..<1) }
        self.wallClock = { Date() }
    }

    /// `baseURL` without trailing slashes.
    var root: String {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        return root
    }

    /// The limits of one create or poll attempt.
    var answerLimits: TransferLimits { TransferLimits(idle: idleTimeout, overall: requestTimeout) }

    /// The limits of one download attempt.
    var downloadLimits: TransferLimits { TransferLimits(idle: downloadIdleTimeout, overall: downloadTimeout) }
}
