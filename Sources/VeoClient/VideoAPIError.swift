// MARK: - Errors from the video API client.

/// A typed error from the video API. Its message, code and field never contain the API key, and
/// whatever in them came from the server has its control characters escaped (``ServerText``).
public struct VideoAPIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// 401/403: the key is missing or wrong. Not retried.
        case unauthorized
        /// 400/404/422…: the server refused the request. Not retried.
        case badRequest
        /// 429 after the retry budget ran out.
        case rateLimited
        /// 5xx after the retry budget ran out.
        case server
        /// No connection could be opened (connection refused, no such host, connect timeout) after
        /// the retry budget ran out.
        case unreachable
        /// A connection was opened and then failed (closed, reset, stalled) after the retry budget ran out.
        case transport
        /// A create request was sent and no usable answer came (none, a 5xx, or one that is not a
        /// video object; the message says which): the server may have taken it. Never re-sent automatically.
        case ambiguousSubmission
        /// The job's overall deadline passed while polling.
        case deadlineExceeded
        /// The job ended `failed` or `expired`.
        case jobFailed
        /// The download was truncated, not an MP4, a redirect loop, a write failure…
        case download
        /// The server answered something that is not the documented shape.
        case invalidResponse
        /// The operation was cancelled (interrupt).
        case cancelled
    }

    public var kind: Kind
    /// HTTP status when there was an answer.
    public var httpStatus: Int?
    /// The API's error code (e.g. `invalid_request_error`, `content_policy`).
    public var code: String?
    public var message: String
    /// The request field the server blamed, when it said.
    public var param: String?
    /// How long the server asked to wait (`Retry-After`) before the client gave up retrying.
    public var retryAfter: Duration?

    public init(kind: Kind, httpStatus: Int? = nil, code: String? = nil, message: String, param: String? = nil) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.param = param
    }

    /// `HTTP 400 invalid_value: message (field: size)`; only the message when there was no answer.
    public var description: String {
        var parts: [String] = []
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let code { parts.append(code) }
        var text = parts.isEmpty ? message : "\(parts.joined(separator: " ")): \(message)"
        if let param { text += " (field: \(param))" }
        return text
    }
}
