import NIOCore

/// A validated `POST /v1/videos` body.
struct CreateRequest: Sendable {
    var model = ""
    var prompt = ""
    var seconds = ProviderRules.defaultSeconds
    var size = ProviderRules.defaultSize
    var imageURLs: [String] = []
    var imageSHA256: [String] = []
}

/// What a create request carried, recorded whether or not it validated.
struct ReceivedCreate: Sendable {
    /// `json`, `multipart`, the raw media type, or `none`.
    var contentType = ""
    /// `model`, `prompt`, `seconds`, `size` as received (numbers as their text).
    var fields: [String: String] = [:]
    var imageURLs: [String] = []
    /// SHA-256 (lowercase hex) of each multipart `input_reference` part.
    var imageSHA256: [String] = []
}

enum CreateRequestParser {
    /// Parses and validates a create body; `received` is filled as far as parsing got.
    static func parse(
        body: ByteBuffer, contentType: String?, received: inout ReceivedCreate
    ) throws(APIError) -> CreateRequest {
        let mediaType = contentType?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch mediaType {
        case "application/json":
            received.contentType = "json"
            return try parseJSON(body, received: &received)
        case "multipart/form-data":
            received.contentType = "multipart"
            return try parseMultipart(body, contentType: contentType ?? "", received: &received)
        default:
            received.contentType = mediaType.isEmpty ? "none" : mediaType
            throw .invalid(
                .unsupportedContentType,
                "Content-Type must be application/json or multipart/form-data, got '\(contentType ?? "")'.")
        }
    }

    // MARK: - Rules common to both encodings

    static func validate(_ r: CreateRequest) throws(APIError) {
        guard ProviderRules.models.contains(r.model) else {
            throw .invalidValue(
                "model",
                "Invalid 'model': '\(r.model)'. Expected one of \(ProviderRules.models.joined(separator: ", ")).")
        }
        guard !r.prompt.isEmpty else {
            throw .invalidValue("prompt", "'prompt' must not be empty.")
        }
        guard ProviderRules.seconds.contains(r.seconds) else { throw badSeconds(String(r.seconds)) }
        guard ProviderRules.sizes.contains(r.size) else {
            throw .invalidValue(
                "size",
                "Invalid 'size': '\(r.size)'. Expected one of \(ProviderRules.sizes.joined(separator: ", ")).")
        }
        if ProviderRules.fullHDSizes.contains(r.size), r.seconds != ProviderRules.fullHDSeconds {
            throw .invalidValue(
                "size",
                "Size \(r.size) (1080p) is only available with seconds = \(ProviderRules.fullHDSeconds), got \(r.seconds).")
        }
    }

    /// `seconds` given as text: a string of ASCII digits (its value is checked by ``validate(_:)``).
    static func seconds(fromText s: String) throws(APIError) -> Int {
        guard s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let n = Int(s) else { throw badSeconds(s) }
        return n
    }

    static func badSeconds(_ got: String) -> APIError {
        .invalidValue("seconds", "Invalid 'seconds': expected \(ProviderRules.secondsSpelledOut), got '\(got)'.")
    }

    static func badImageCount(_ n: Int) -> APIError {
        .invalidValue(
            "input_reference",
            "input_reference takes \(ProviderRules.imageCount.lowerBound) to \(ProviderRules.imageCount.upperBound) images, got \(n).")
    }
}
