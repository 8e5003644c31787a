import Foundation
import VeoProvider
import NIOCore
import NIOFoundationCompat

// MARK: - What goes over the wire (JSON bodies, multipart bodies, error bodies)

/// The video object as the server sends it; lenient where gateways differ (`seconds` as a string,
/// `progress` as an integer, missing fields).
struct VideoObjectWire: Decodable {
    var id: String
    var status: String?
    var progress: Double?
    var model: String?
    var seconds: Int?
    var size: String?
    var videoURL: String?
    var createdAt: Int?
    var completedAt: Int?
    var expiresAt: Int?
    var error: VideoJobError?

    enum CodingKeys: String, CodingKey {
        case id, status, progress, model, seconds, size, error
        case videoURL = "video_url"
        case createdAt = "created_at"
        case completedAt = "completed_at"
        case expiresAt = "expires_at"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        status = try? c.decodeIfPresent(String.self, forKey: .status)
        progress = Self.number(c, .progress)
        model = try? c.decodeIfPresent(String.self, forKey: .model)
        seconds = Self.number(c, .seconds).map { Int($0) }
        size = try? c.decodeIfPresent(String.self, forKey: .size)
        videoURL = try? c.decodeIfPresent(String.self, forKey: .videoURL)
        createdAt = Self.number(c, .createdAt).map { Int($0) }
        completedAt = Self.number(c, .completedAt).map { Int($0) }
        expiresAt = Self.number(c, .expiresAt).map { Int($0) }
        error = try? c.decodeIfPresent(VideoJobError.self, forKey: .error)
    }

    private static func number(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Double? {
        if let value = try? c.decodeIfPresent(Double.self, forKey: key) { return value }
        if let text = try? c.decodeIfPresent(String.self, forKey: key) { return Double(text) }
        return nil
    }

    var object: VideoObject {
        VideoObject(
            id: id, status: VideoStatus(rawValue: status ?? "unknown"), progress: progress, model: model,
            seconds: seconds, size: size, videoURL: videoURL, createdAt: createdAt,
            completedAt: completedAt, expiresAt: expiresAt, error: error
        )
    }

    static func decode(_ body: ByteBuffer) throws -> VideoObject {
        try JSONDecoder().decode(VideoObjectWire.self, from: body).object
    }
}

/// `{"error": {"message", "type", "code", "param"}}`
struct APIErrorBody: Decodable {
    struct Detail: Decodable {
        var message: String?
        var type: String?
        var code: String?
        var param: String?

        enum CodingKeys: String, CodingKey { case message, type, code, param }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            message = try? c.decodeIfPresent(String.self, forKey: .message)
            type = try? c.decodeIfPresent(String.self, forKey: .type)
            // Some gateways send a numeric code.
            if let text = try? c.decodeIfPresent(String.self, forKey: .code) {
                code = text
            } else if let number = try? c.decodeIfPresent(Int.self, forKey: .code) {
                code = String(number)
            }
            param = try? c.decodeIfPresent(String.self, forKey: .param)
        }
    }
    var error: Detail

    static func decode(_ body: ByteBuffer) -> Detail? {
        try? JSONDecoder().decode(APIErrorBody.self, from: body).error
    }
}

/// The create request's fields as the provider's wire format names them: every field the request
/// sets, in the order of the field table (`VeoProvider/RequestFields.swift`), under its wire name.
struct CreateWire {
    var values: [(name: String, value: FieldValue)]

    init(_ request: GenerationRequest) {
        values = RequestFields.values(of: request).map { ($0.field.wireName, $0.value) }
    }

    /// The text fields of a multipart body, in the order they are sent.
    var fields: [(String, String)] {
        values.map { ($0.name, $0.value.text) }
    }

    /// The JSON body (every image is a URL): each field as a string, number or boolean.
    func json(imageURLs: [String]) throws -> ByteBuffer {
        struct Body: Encodable {
            var values: [(name: String, value: FieldValue)]
            var imageURLs: [String]

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: FieldKey.self)
                for (name, value) in values { try c.encode(value, forKey: FieldKey(name)) }
                if !imageURLs.isEmpty { try c.encode(imageURLs, forKey: FieldKey(RequestFields.inputsWireName)) }
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return ByteBuffer(data: try encoder.encode(Body(values: values, imageURLs: imageURLs)))
    }
}

/// A `multipart/form-data` body built from text fields and in-memory file parts.
struct MultipartBody {
    struct File {
        var field: String
        var filename: String
        var contentType: String
        var bytes: ByteBuffer
    }

    let boundary: String
    /// Head of each part, file bytes, tail: sent in this order without copying the files.
    let chunks: [ByteBuffer]
    var length: Int64 { chunks.reduce(0) { $0 + Int64($1.readableBytes) } }
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    init(fields: [(String, String)], files: [File], boundary: String = "veo-" + UUID().uuidString) {
        self.boundary = boundary
        var chunks: [ByteBuffer] = []
        var text = ""
        for (name, value) in fields {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"\r\n\r\n\(value)\r\n"
        }
        for file in files {
            text += "--\(boundary)\r\n"
            text += "Content-Disposition: form-data; name=\"\(Self.quoted(file.field))\"; filename=\"\(Self.quoted(file.filename))\"\r\n"
            text += "Content-Type: \(file.contentType)\r\n\r\n"
            chunks.append(ByteBuffer(string: text))
            chunks.append(file.bytes)
            text = "\r\n"
        }
        text += "--\(boundary)--\r\n"
        chunks.append(ByteBuffer(string: text))
        self.chunks = chunks
    }

    /// Quotes, CR and LF would break the header: percent-encode them (as browsers do).
    private static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\"", with: "%22")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }
}
