// MARK: - Errors from the video API client.

/// A typed error from the video API. Its message never contains the API key.
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
        /// Connection refused, reset, DNS… after the retry budget ran out.
        case transport
        /// A create request was sent and no answer came: the server may have taken it.
        /// Never re-sent automatically.
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

    public var description: String {
        var parts: [String] = []
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let code { parts.append(code) }
        let head = parts.isEmpty ? kind.rawValue : parts.joined(separator: " ")
        var text = "\(head): \(message)"
        if let param { text += " (field: \(param))" }
        return text
    }
}
