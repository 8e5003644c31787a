import Crypto
import Foundation
import MultipartKit
import NIOCore

/// A validated `POST /v1/videos` body.
struct CreateRequest: Sendable {
    static let models = ["veo-3.1-generate-preview", "veo-3.1-fast-generate-preview"]
    static let sizes = ["1280x720", "720x1280", "1920x1080", "1080x1920"]
    static let fullHDSizes: Set<String> = ["1920x1080", "1080x1920"]
    static let knownFields: Set<String> = ["model", "prompt", "seconds", "size", "input_reference"]

    var model = ""
    var prompt = ""
    var seconds = 6
    var size = "1280x720"
    var imageURLs: [String] = []
    var imageSHA256: [String] = []
    var imageData: [Data] = []
}

/// What a create request carried, recorded whether or not it validated.
struct ReceivedCreate: Sendable {
    var contentType: String
    var fields: [String: String] = [:]
    var imageURLs: [String] = []
    var imageSHA256: [String] = []
}

/// A JSON value, decoded without Foundation's number/bool ambiguity.
enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .number(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .string(let s): s
        case .array(let a): "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object: "{...}"
        }
    }
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
                "unsupported_content_type",
                "Content-Type must be application/json or multipart/form-data, got '\(contentType ?? "")'.",
                param: nil)
        }
    }

    // MARK: - JSON

    static func parseJSON(_ body: ByteBuffer, received: inout ReceivedCreate) throws(APIError) -> CreateRequest {
        let object: [String: JSONValue]
        do {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
            guard case .object(let o) = value else {
                throw APIError.invalid("invalid_json", "The request body must be a JSON object.", param: nil)
            }
            object = o
        } catch let error as APIError {
            throw error
        } catch {
            throw .invalid(
                "invalid_json",
                "We could not parse the JSON body of your request. Send a JSON object with model and prompt.",
                param: nil)
        }
        for key in ["model", "prompt", "seconds", "size"] {
            if let v = object[key] { received.fields[key] = v.text }
        }
        if case .array(let items)? = object["input_reference"] {
            received.imageURLs = items.map(\.text)
        }
        if let unknown = object.keys.filter({ !CreateRequest.knownFields.contains($0) }).sorted().first {
            throw .invalid("unknown_parameter", "Unknown parameter: '\(unknown)'.", param: unknown)
        }
        var request = CreateRequest()
        request.model = try requireString(object["model"], "model")
        request.prompt = try requireString(object["prompt"], "prompt")
        switch object["seconds"] {
        case nil: break
        case .number(let d)?:
            guard d.rounded() == d, abs(d) < 1000 else { throw badSeconds(JSONValue.number(d).text) }
            request.seconds = Int(d)
        case .string(let s)?:
            // A numeric string exactly as the schema lists it: "4", "6" or "8".
            guard s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let n = Int(s) else { throw badSeconds(s) }
            request.seconds = n
        default:
            throw .invalidType("seconds", expected: "an integer or a numeric string (4, 6 or 8)")
        }
        switch object["size"] {
        case nil: break
        case .string(let s)?: request.size = s
        default: throw .invalidType("size", expected: "a string")
        }
        switch object["input_reference"] {
        case nil: break
        case .array(let items)?:
            var urls: [String] = []
            for item in items {
                guard case .string(let s) = item else {
                    throw .invalidType("input_reference", expected: "an array of image URL strings")
                }
                urls.append(s)
            }
            request.imageURLs = urls
            guard (1...3).contains(urls.count) else { throw badImageCount(urls.count) }
            for (i, url) in urls.enumerated() where !isHTTPURL(url) {
                throw .invalidValue(
                    "input_reference", "input_reference[\(i)] must be an http(s) image URL, got '\(url)'.")
            }
        default:
            throw .invalidType("input_reference", expected: "an array of 1 to 3 image URL strings")
        }
        try validate(request)
        return request
    }

    static func requireString(_ value: JSONValue?, _ name: String) throws(APIError) -> String {
        switch value {
        case nil: throw .missing(name)
        case .string(let s)?: return s
        default: throw .invalidType(name, expected: "a string")
        }
    }

    /// `^https?://` then a non-empty host, no whitespace anywhere (the schema's pattern).
    static func isHTTPURL(_ s: String) -> Bool {
        let rest: Substring
        if s.hasPrefix("https://") {
            rest = s.dropFirst(8)
        } else if s.hasPrefix("http://") {
            rest = s.dropFirst(7)
        } else {
            return false
        }
        guard let first = rest.first, !"/?#".contains(first) else { return false }
        return !rest.unicodeScalars.contains(where: isSpace)
    }

    /// Whitespace as the schema's regex (`\\s`, Python/ECMAScript flavour) sees it.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    static func badSeconds(_ got: String) -> APIError {
        .invalidValue("seconds", "Invalid 'seconds': expected 4, 6 or 8, got '\(got)'.")
    }

    static func badImageCount(_ n: Int) -> APIError {
        .invalidValue("input_reference", "input_reference takes 1 to 3 images, got \(n).")
    }

    // MARK: - Rules common to both encodings

    static func validate(_ r: CreateRequest) throws(APIError) {
        guard CreateRequest.models.contains(r.model) else {
            throw .invalidValue(
                "model",
                "Invalid 'model': '\(r.model)'. Expected one of \(CreateRequest.models.joined(separator: ", ")).")
        }
        guard !r.prompt.isEmpty else {
            throw .invalidValue("prompt", "'prompt' must not be empty.")
        }
        guard [4, 6, 8].contains(r.seconds) else { throw badSeconds(String(r.seconds)) }
        guard CreateRequest.sizes.contains(r.size) else {
            throw .invalidValue(
                "size",
                "Invalid 'size': '\(r.size)'. Expected one of \(CreateRequest.sizes.joined(separator: ", ")).")
        }
        if CreateRequest.fullHDSizes.contains(r.size), r.seconds != 8 {
            throw .invalidValue(
                "size", "Size \(r.size) (1080p) is only available with seconds = 8, got \(r.seconds).")
        }
    }

    // MARK: - Multipart

    private final class Collector {
        struct Part {
            var headers: [(String, String)] = []
            var body = ByteBuffer()
        }
        var current = Part()
        var parts: [Part] = []
    }

    static func parseMultipart(
        _ body: ByteBuffer, contentType: String, received: inout ReceivedCreate
    ) throws(APIError) -> CreateRequest {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .invalid("invalid_multipart", "multipart/form-data needs a boundary parameter.", param: nil)
        }
        let collector = Collector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.current.headers.append((name, value)) }
        parser.onBody = { chunk in collector.current.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            collector.parts.append(collector.current)
            collector.current = .init()
        }
        do {
            try parser.execute(body)
        } catch {
            throw .invalid("invalid_multipart", "The multipart/form-data body could not be parsed.", param: nil)
        }
        var request = CreateRequest()
        var seen: Set<String> = []
        var images: [ByteBuffer] = []
        var unknown: String?
        for part in collector.parts {
            let disposition = part.headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            guard let name = parameter("name", in: disposition) else { continue }
            let text = String(buffer: part.body)
            switch name {
            case "input_reference":
                images.append(part.body)
                let digest = SHA256.hash(data: Data(part.body.readableBytesView))
                received.imageSHA256.append(digest.map { String(format: "%02x", $0) }.joined())
            case "model", "prompt", "seconds", "size":
                if !seen.contains(name) { received.fields[name] = text }
                seen.insert(name)
            default:
                unknown = unknown ?? name
            }
        }
        if let unknown {
            throw .invalid("unknown_parameter", "Unknown parameter: '\(unknown)'.", param: unknown)
        }
        guard let model = received.fields["model"] else { throw .missing("model") }
        guard let prompt = received.fields["prompt"] else { throw .missing("prompt") }
        request.model = model
        request.prompt = prompt
        if let s = received.fields["seconds"] {
            guard s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let n = Int(s) else { throw badSeconds(s) }
            request.seconds = n
        }
        if let size = received.fields["size"] { request.size = size }
        try validate(request)
        if !images.isEmpty {
            guard images.count <= 3 else { throw badImageCount(images.count) }
            for (i, image) in images.enumerated() where imageKind(image) == nil {
                throw .invalidValue(
                    "input_reference", "input_reference part \(i + 1) is not a PNG, JPEG or WebP image.")
            }
            request.imageData = images.map { Data($0.readableBytesView) }
            request.imageSHA256 = received.imageSHA256
        }
        return request
    }

    /// PNG, JPEG or WebP by magic bytes.
    static func imageKind(_ buffer: ByteBuffer) -> String? {
        let b = Array(buffer.readableBytesView.prefix(12))
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpeg" }
        if b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8), b[8..<12].elementsEqual("WEBP".utf8) { return "webp" }
        return nil
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }
}
