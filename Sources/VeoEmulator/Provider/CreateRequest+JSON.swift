import Foundation
import NIOCore

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

extension CreateRequestParser {
    static func parseJSON(_ body: ByteBuffer, received: inout ReceivedCreate) throws(APIError) -> CreateRequest {
        let object = try jsonObject(body)
        for key in ProviderRules.textFields {
            if let v = object[key] { received.fields[key] = v.text }
        }
        if case .array(let items)? = object["input_reference"] {
            received.imageURLs = items.map(\.text)
        }
        if let unknown = object.keys.filter({ !ProviderRules.fields.contains($0) }).sorted().first {
            throw .unknownParameter(unknown)
        }
        var request = CreateRequest()
        request.model = try requireString(object["model"], "model")
        request.prompt = try requireString(object["prompt"], "prompt")
        if let seconds = object["seconds"] { request.seconds = try jsonSeconds(seconds) }
        switch object["size"] {
        case nil: break
        case .string(let s)?: request.size = s
        default: throw .invalidType("size", expected: "a string")
        }
        if let images = object["input_reference"] { request.imageURLs = try imageURLs(images) }
        try validate(request)
        return request
    }

    /// The body as a JSON object.
    private static func jsonObject(_ body: ByteBuffer) throws(APIError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        } catch {
            throw .invalid(
                .invalidJSON,
                "We could not parse the JSON body of your request. Send a JSON object with model and prompt.")
        }
        guard case .object(let object) = value else {
            throw .invalid(.invalidJSON, "The request body must be a JSON object.")
        }
        return object
    }

    private static func requireString(_ value: JSONValue?, _ name: String) throws(APIError) -> String {
        switch value {
        case nil: throw .missing(name)
        case .string(let s)?: return s
        default: throw .invalidType(name, expected: "a string")
        }
    }

    /// `seconds` as a whole number or as text (see ``seconds(fromText:)``).
    private static func jsonSeconds(_ value: JSONValue) throws(APIError) -> Int {
        switch value {
        case .number(let d):
            guard d.rounded() == d, abs(d) < 1000 else { throw badSeconds(value.text) }
            return Int(d)
        case .string(let s):
            return try seconds(fromText: s)
        default:
            throw .invalidType("seconds", expected: "an integer or a numeric string (\(ProviderRules.secondsSpelledOut))")
        }
    }

    /// `input_reference`: 1 to 3 http(s) image URLs.
    private static func imageURLs(_ value: JSONValue) throws(APIError) -> [String] {
        guard case .array(let items) = value else {
            throw .invalidType("input_reference", expected: "an array of 1 to 3 image URL strings")
        }
        var urls: [String] = []
        for item in items {
            guard case .string(let s) = item else {
                throw .invalidType("input_reference", expected: "an array of image URL strings")
            }
            urls.append(s)
        }
        guard ProviderRules.imageCount.contains(urls.count) else { throw badImageCount(urls.count) }
        for (i, url) in urls.enumerated() where !isHTTPURL(url) {
            throw .invalidValue(
                "input_reference", "input_reference[\(i)] must be an http(s) image URL, got '\(url)'.")
        }
        return urls
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
}
