import Crypto
import Foundation
import MultipartKit
import NIOCore
import VeoSupport

extension CreateRequestParser {
    /// One part of a multipart body: its headers and bytes.
    struct Part {
        var headers: [(String, String)] = []
        var body = ByteBuffer()

        /// The `name` of its `Content-Disposition`.
        var name: String? {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            return parameter("name", in: disposition)
        }
    }

    static func parseMultipart(
        _ body: ByteBuffer, contentType: String, received: inout ReceivedCreate
    ) throws(APIError) -> CreateRequest {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw .invalid(.invalidMultipart, "multipart/form-data needs a boundary parameter.")
        }
        var images: [ByteBuffer] = []
        var unknown: String?
        for part in try parts(of: body, boundary: boundary) {
            guard let name = part.name else { continue }
            switch name {
            case "input_reference":
                images.append(part.body)
                received.imageSHA256.append(Hex.encode(SHA256.hash(data: Data(part.body.readableBytesView))))
            case _ where ProviderRules.textFields.contains(name):
                // The first part of a name counts.
                if received.fields[name] == nil { received.fields[name] = String(buffer: part.body) }
            default:
                unknown = unknown ?? name
            }
        }
        if let unknown { throw .unknownParameter(unknown) }
        var request = CreateRequest()
        guard let model = received.fields["model"] else { throw .missing("model") }
        guard let prompt = received.fields["prompt"] else { throw .missing("prompt") }
        request.model = model
        request.prompt = prompt
        if let s = received.fields["seconds"] { request.seconds = try seconds(fromText: s) }
        if let size = received.fields["size"] { request.size = size }
        try validate(request)
        try validateImages(images)
        request.imageSHA256 = received.imageSHA256
        return request
    }

    /// Up to 3 parts, each a PNG, JPEG or WebP image.
    private static func validateImages(_ images: [ByteBuffer]) throws(APIError) {
        guard !images.isEmpty else { return }
        guard images.count <= ProviderRules.imageCount.upperBound else { throw badImageCount(images.count) }
        for (i, image) in images.enumerated() where ImageKind(sniffing: image.readableBytesView) == nil {
            throw .invalidValue(
                "input_reference", "input_reference part \(i + 1) is not a PNG, JPEG or WebP image.")
        }
    }

    /// The parts of a multipart body, in order.
    private static func parts(of body: ByteBuffer, boundary: String) throws(APIError) -> [Part] {
        // The parser's callbacks are synchronous and run within `execute`.
        final class Collector {
            var current = Part()
            var parts: [Part] = []
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
            throw .invalid(.invalidMultipart, "The multipart/form-data body could not be parsed.")
        }
        return collector.parts
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
