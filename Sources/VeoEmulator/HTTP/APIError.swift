import Foundation
import Hummingbird

/// Every `error.code` the emulator answers with, in an error body or in a failed job's `error`.
/// (A job failed by ``FaultPlan/failPromptsContaining`` carries the plan's own ``FaultPlan/failCode``.)
enum ErrorCode: String, Sendable, Codable, CaseIterable {
    // 400: the create request
    case invalidJSON = "invalid_json"
    case invalidMultipart = "invalid_multipart"
    case unsupportedContentType = "unsupported_content_type"
    case missingRequiredParameter = "missing_required_parameter"
    case invalidType = "invalid_type"
    case invalidValue = "invalid_value"
    case unknownParameter = "unknown_parameter"
    // 401
    case invalidAPIKey = "invalid_api_key"
    // 404, 405, 409, 413: addressing
    case videoNotFound = "video_not_found"
    case fileNotFound = "file_not_found"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case videoNotReady = "video_not_ready"
    case requestTooLarge = "request_too_large"
    // 429, 5xx: injected faults
    case rateLimitExceeded = "rate_limit_exceeded"
    case concurrencyLimitExceeded = "concurrency_limit_exceeded"
    case serviceUnavailable = "service_unavailable"
    case serverError = "server_error"
    // A failed job's `error.code`
    case generationFailed = "generation_failed"
    case renderFailed = "render_failed"
    case ffmpegUnavailable = "ffmpeg_unavailable"
}

/// The `error.type` of an error body.
enum ErrorType: String, Sendable {
    case invalidRequest = "invalid_request_error"
    case requests
    case server = "server_error"
}

/// The provider's error body, `{"error": {"message", "type", "code", "param"}}`, with its status
/// and headers. Thrown from handlers and middleware; Hummingbird answers it as a response.
struct APIError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var type: ErrorType
    var code: ErrorCode
    var param: String?
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) -> Response { response }

    var response: Response {
        let body = Body(error: .init(message: message, type: type.rawValue, code: code.rawValue, param: param))
        var response = Response.json(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    private struct Body: Encodable {
        struct Inner: Encodable {
            var message: String
            var type: String
            var code: String
            var param: String?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(code, forKey: .code)
                try c.encode(param, forKey: .param)  // explicit null when absent, as the provider does
            }
            enum CodingKeys: String, CodingKey { case message, type, code, param }
        }
        var error: Inner
    }
}

// MARK: - The catalogue

extension APIError {
    static func invalid(_ code: ErrorCode, _ message: String, param: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: .invalidRequest, code: code, param: param)
    }

    static func missing(_ param: String) -> APIError {
        .invalid(.missingRequiredParameter, "Missing required parameter: '\(param)'.", param: param)
    }

    static func invalidType(_ param: String, expected: String) -> APIError {
        .invalid(.invalidType, "Invalid type for '\(param)': expected \(expected).", param: param)
    }

    static func invalidValue(_ param: String, _ message: String) -> APIError {
        .invalid(.invalidValue, message, param: param)
    }

    static func unknownParameter(_ name: String) -> APIError {
        .invalid(.unknownParameter, "Unknown parameter: '\(name)'.", param: name)
    }

    static let missingAPIKey = unauthorized(
        "You didn't provide an API key. Send it in an Authorization header: 'Authorization: Bearer YOUR_KEY'.")

    static let wrongAPIKey = unauthorized("Incorrect API key provided.")

    private static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, message: message, type: .invalidRequest, code: .invalidAPIKey)
    }

    static func videoNotFound(_ id: String) -> APIError {
        APIError(
            status: .notFound, message: "Video '\(id)' not found.", type: .invalidRequest, code: .videoNotFound,
            param: "video_id")
    }

    static func fileNotFound(_ id: String) -> APIError {
        APIError(status: .notFound, message: "No file for video '\(id)'.", type: .invalidRequest, code: .fileNotFound)
    }

    static func videoNotReady(_ id: String, status: String) -> APIError {
        APIError(
            status: .conflict,
            message: "Video '\(id)' is \(status); its content is available once it is completed.",
            type: .invalidRequest, code: .videoNotReady, param: "video_id")
    }

    static func unknownPath(_ path: String) -> APIError {
        APIError(status: .notFound, message: "Unknown path \(path).", type: .invalidRequest, code: .notFound)
    }

    static let unknownControlPath = APIError(
        status: .notFound,
        message: "Control endpoints: GET /_emulator/record, GET|PUT /_emulator/faults, POST /_emulator/reset.",
        type: .invalidRequest, code: .notFound)

    static func methodNotAllowed(allow: String) -> APIError {
        var error = APIError(
            status: .methodNotAllowed, message: "Method not allowed; use \(allow).", type: .invalidRequest,
            code: .methodNotAllowed)
        error.headers[.allow] = allow
        return error
    }

    static let bodyTooLarge = APIError(
        status: .contentTooLarge, message: "Request body too large.", type: .invalidRequest, code: .requestTooLarge)

    static func rateLimited(retryAfter: Int) -> APIError {
        APIError(
            status: .tooManyRequests, message: "Rate limit reached for requests. Try again later.", type: .requests,
            code: .rateLimitExceeded
        ).retrying(after: retryAfter)
    }

    static func unavailable(retryAfter: Int) -> APIError {
        APIError(
            status: .serviceUnavailable, message: "The server is overloaded; the request was not processed.",
            type: .server, code: .serviceUnavailable
        ).retrying(after: retryAfter)
    }

    static func concurrencyLimit(_ limit: Int, retryAfter: Int) -> APIError {
        APIError(
            status: .tooManyRequests,
            message: "Too many unfinished video jobs (limit \(limit)). Wait for one to finish.",
            type: .requests, code: .concurrencyLimitExceeded
        ).retrying(after: retryAfter)
    }

    static func serverError(_ status: HTTPResponse.Status) -> APIError {
        APIError(
            status: status, message: "The server had an error while processing your request.", type: .server,
            code: .serverError)
    }

    static func storageFailed(_ reason: String) -> APIError {
        APIError(
            status: .internalServerError, message: "The job could not be stored: \(reason)", type: .server,
            code: .serverError)
    }

    private func retrying(after seconds: Int) -> APIError {
        var error = self
        error.headers[.retryAfter] = String(seconds)
        return error
    }
}

extension Response {
    /// `value` as JSON with sorted keys.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
