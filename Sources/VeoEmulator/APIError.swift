import Foundation
import Hummingbird

/// The provider's error body: `{"error": {"message", "type", "code", "param"}}`.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var code: String
    var param: String?
    var headers: HTTPFields = [:]

    static func invalid(_ code: String, _ message: String, param: String?) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", code: code, param: param)
    }

    static func missing(_ param: String) -> APIError {
        .invalid("missing_required_parameter", "Missing required parameter: '\(param)'.", param: param)
    }

    static func invalidType(_ param: String, expected: String) -> APIError {
        .invalid("invalid_type", "Invalid type for '\(param)': expected \(expected).", param: param)
    }

    static func invalidValue(_ param: String, _ message: String) -> APIError {
        .invalid("invalid_value", message, param: param)
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(
            status: .unauthorized, message: message, type: "invalid_request_error", code: "invalid_api_key",
            param: nil)
    }

    static func notFound(videoID: String) -> APIError {
        APIError(
            status: .notFound, message: "Video '\(videoID)' not found.", type: "invalid_request_error",
            code: "video_not_found", param: "video_id")
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

    var response: Response {
        let body = Body(error: .init(message: message, type: type, code: code, param: param))
        var response = Response.json(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

extension Response {
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
