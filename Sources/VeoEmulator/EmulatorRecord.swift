public import Foundation

/// A snapshot of every request the emulator received (never the `Authorization` value).
public struct EmulatorRecord: Sendable, Codable, Equatable {
    public var requests: [RecordedRequest]

    public init(requests: [RecordedRequest] = []) {
        self.requests = requests
    }

    /// `POST /v1/videos` requests that created a job, including those whose answer was dropped.
    public var createCount: Int { creates.filter { $0.videoID != nil }.count }
    /// Every `POST /v1/videos`, whatever its answer.
    public var createAttemptCount: Int { creates.count }
    /// `GET /v1/videos/{id}` requests.
    public var pollCount: Int { requests.filter { $0.kind == .poll }.count }
    /// `GET /v1/videos/{id}/content` requests (including redirect-loop hops).
    public var contentCount: Int { requests.filter { $0.kind == .content }.count }
    /// `GET /files/...` requests (the MP4 itself).
    public var fileDownloadCount: Int { requests.filter { $0.kind == .file }.count }
    /// Requests answered 401.
    public var unauthorizedCount: Int { requests.filter { $0.status == 401 }.count }
    /// The `POST /v1/videos` requests, in order.
    public var creates: [RecordedRequest] { requests.filter { $0.kind == .create } }
}

/// One request as the emulator saw it.
public struct RecordedRequest: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case create, poll, content, file, other
    }

    public var kind: Kind
    public var method: String
    public var path: String
    /// The HTTP status answered, or `nil` when the answer was dropped on purpose.
    public var status: Int?
    /// `"json"` or `"multipart"` for creates (or the raw media type); `nil` without a body.
    public var contentType: String?
    /// Whether the bearer token was accepted.
    public var authorized: Bool
    /// The job the request created or addressed.
    public var videoID: String?
    /// `model`, `prompt`, `seconds`, `size` as received (numbers as their text).
    public var fields: [String: String]
    /// JSON `input_reference` URLs, in order.
    public var imageURLs: [String]
    /// SHA-256 (lowercase hex) of each multipart `input_reference` part's bytes, in order.
    public var imageSHA256: [String]
    /// The name of the fault injected into this answer, if any: an ``InjectedFault`` raw value
    /// (e.g. `rate_limit`, `truncate`).
    public var fault: String?
    public var timestamp: Date

    /// ``fault`` as its case.
    public var injectedFault: InjectedFault? { fault.flatMap(InjectedFault.init(rawValue:)) }
}

/// The faults the emulator injects into answers, by the name the record gives them.
public enum InjectedFault: String, Sendable, Codable, CaseIterable {
    /// A create answered 429 `rate_limit_exceeded` (``FaultPlan/rateLimitCreates``).
    case rateLimit = "rate_limit"
    /// A create answered 503 (``FaultPlan/unavailableCreates``).
    case unavailable
    /// A poll answered 500, 502 or 503 (``FaultPlan/pollServerErrors``).
    case pollServerError = "poll_server_error"
    /// A download cut short (``FaultPlan/truncateDownloads``).
    case truncate
    /// A download that is not an MP4 (``FaultPlan/corruptDownloads``).
    case corrupt
    /// A content request sent round a redirect loop, or a hop of one (``FaultPlan/redirectLoopDownloads``).
    case redirectLoop = "redirect_loop"
    /// A create whose job was made but whose answer was dropped (``FaultPlan/loseCreateResponses``).
    case loseResponse = "lose_response"
    /// A create answered 429 `concurrency_limit_exceeded` (``FaultPlan/maxConcurrentJobs``).
    case concurrencyLimit = "concurrency_limit"
}
