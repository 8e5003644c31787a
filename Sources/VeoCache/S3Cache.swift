import AsyncHTTPClient
import Crypto
public import Foundation
import NIOHTTP1

/// A shared cache in an S3 bucket (`s3://BUCKET/PREFIX`), every request signed with Signature V4.
/// With `AWS_ENDPOINT_URL` (MinIO, moto, R2, …) it addresses the bucket by path, else by host.
/// Create-only writes (`If-None-Match: *`) make the claims that keep two runners from paying twice.
public final class S3Cache: RemoteCache {
    public let name: String
    public var supportsCreateOnly: Bool { true }
    let bucket: String
    let prefix: String
    let base: URLComponents
    let pathStyle: Bool
    let signer: SigV4
    let transport: CacheTransport

    public init(url: String, environment: [String: String]) throws {
        let rest = url.dropFirst("s3://".count)
        let authority = String(rest.prefix { $0 != "/" })
        // User info (`s3://USER:PASSWORD@bucket`) is never printed: only what follows its `@`.
        let bucket = String(authority.split(separator: "@", omittingEmptySubsequences: false).last ?? "")
        let prefix = rest.dropFirst(authority.count).split(separator: "/").joined(separator: "/")
        let name = "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
        guard bucket == authority else {
            throw CacheError(.configuration, cache: name, "an s3:// URL carries no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
        }
        guard !bucket.isEmpty else { throw CacheError(.configuration, cache: "s3://", "no bucket: write s3://BUCKET/PREFIX") }
        guard Self.isBucketName(bucket) else {
            // Not echoed: what stands there may be a credential written in the wrong place.
            throw CacheError(.configuration, cache: "s3://", "the bucket is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')")
        }
        guard let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw CacheError(.configuration, cache: name, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
        }
        let region = environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint = environment["AWS_ENDPOINT_URL"], !endpoint.isEmpty {
            guard let parts = URLComponents(string: endpoint), parts.host != nil, let scheme = parts.scheme, ["http", "https"].contains(scheme.lowercased()) else {
                throw CacheError(.configuration, cache: name, "AWS_ENDPOINT_URL is not an http(s) URL")
            }
            (base, pathStyle) = (parts, true)
        } else {
            var parts = URLComponents()
            (parts.scheme, parts.host) = ("https", "\(bucket).s3.\(region).amazonaws.com")
            (base, pathStyle) = (parts, false)
        }
        (self.name, self.bucket, self.prefix) = (name, bucket, prefix)
        let signer = SigV4(credentials: .init(accessKeyID: key, secretAccessKey: secret, sessionToken: token), region: region)
        self.signer = signer
        transport = CacheTransport(name: name) { outgoing in
            var host = outgoing.url.host ?? ""
            if let port = outgoing.url.port { host += ":\(port)" }
            outgoing.headers.append(("host", host))
            outgoing.headers.append(("x-amz-content-sha256", outgoing.payloadHash))
            let query = (outgoing.url.queryItems ?? []).map { ($0.name, $0.value ?? "") }
            let signedNames: Set<String> = ["host", "x-amz-content-sha256", "content-type", "if-none-match", "content-length"]
            let signed = outgoing.headers.filter { signedNames.contains($0.0.lowercased()) }
            outgoing.headers += signer.sign(
                method: outgoing.method.rawValue, path: outgoing.url.path, query: query, headers: signed, payloadHash: outgoing.payloadHash,
                date: Date())
        }
    }

    /// S3's rule for bucket names: 3 to 63 of `a-z 0-9 . -`, starting and ending with a letter or digit.
    static func isBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func alphanumeric(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) }
        guard (3...63).contains(bytes.count), let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// The URL of an object (a path relative to the prefix), or of the bucket (nil).
    func url(_ path: String?, query: [URLQueryItem]? = nil) -> URLComponents {
        var parts = base
        var raw = pathStyle ? "/\(bucket)" : ""
        if let path { raw += "/" + (prefix.isEmpty ? path : "\(prefix)/\(path)") }
        if raw.isEmpty { raw = "/" }
        parts.percentEncodedPath = SigV4.encode(raw, keepSlash: true)
        // The query goes out exactly as Signature V4 canonicalises it (every reserved byte, `/`
        // included, percent-encoded): a server that signs the query as received (moto does) then
        // agrees with the signature, and S3 itself decodes either form.
        parts.percentEncodedQuery = query.map { items in
            items.map { SigV4.encode($0.name, keepSlash: false) + "=" + SigV4.encode($0.value ?? "", keepSlash: false) }.joined(separator: "&")
        }
        return parts
    }

    public func check() async throws {
        let list = url(nil, query: [.init(name: "list-type", value: "2"), .init(name: "max-keys", value: "1"), .init(name: "prefix", value: prefix)])
        try await transport.perform(.GET, list, payloadHash: SigV4.emptyPayloadHash) { response in
            guard response.status == .ok else { throw await self.failure(response, "listing the bucket") }
        }
    }

    public func read(_ path: String) async throws -> Data? {
        try await transport.perform(.GET, url(path), payloadHash: SigV4.emptyPayloadHash) { response in
            switch response.status.code {
            case 200: return try await CacheTransport.collect(response)
            case 404: return nil
            default: throw await self.failure(response, "reading \(path)")
            }
        }
    }

    public func write(_ path: String, _ data: Data, contentType: String, createOnly: Bool) async throws -> Bool {
        var headers = [("content-type", contentType)]
        if createOnly { headers.append(("if-none-match", "*")) }
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return try await transport.perform(.PUT, url(path), headers: headers, body: .data(data), payloadHash: hash) { response in
            switch response.status.code {
            case 200...299: return true
            case 412 where createOnly, 409 where createOnly: return false
            default: throw await self.failure(response, "writing \(path)")
            }
        }
    }

    public func remove(_ path: String) async throws {
        try await transport.perform(.DELETE, url(path), payloadHash: SigV4.emptyPayloadHash) { response in
            guard (200...299).contains(Int(response.status.code)) || response.status.code == 404 else {
                throw await self.failure(response, "removing \(path)")
            }
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        try await transport.perform(.HEAD, url(path), payloadHash: SigV4.emptyPayloadHash) { response in
            switch response.status.code {
            case 200: return true
            case 404: return false
            default: throw await self.failure(response, "looking for \(path)")
            }
        }
    }

    public func download(_ path: String, to file: String, limits: DownloadLimits) async throws -> DownloadedObject? {
        switch try await transport.download(url(path), payloadHash: SigV4.emptyPayloadHash, to: file, limits: limits) {
        case .object(let object): return object
        case .answer(404, _): return nil
        case .answer(let status, let body): throw failure(status: status, body: body, "downloading \(path)")
        }
    }

    public func upload(_ path: String, file: String, sha256: String, contentType: String) async throws {
        let size = ((try FileManager.default.attributesOfItem(atPath: file))[.size] as? NSNumber)?.int64Value ?? 0
        try await transport.perform(.PUT, url(path), headers: [("content-type", contentType)], body: .file(file, bytes: size), payloadHash: sha256) { response in
            guard (200...299).contains(Int(response.status.code)) else { throw await self.failure(response, "uploading \(path)") }
        }
    }

    public func shutdown() async { await transport.shutdown() }

    /// The error an answer means, with S3's own code (`SignatureDoesNotMatch`, `NoSuchBucket`, …).
    func failure(_ response: HTTPClientResponse, _ doing: String) async -> CacheError {
        let body = (try? await CacheTransport.collect(response, limit: 64 << 10)) ?? Data()
        return failure(status: Int(response.status.code), body: body, doing)
    }

    func failure(status: Int, body data: Data, _ doing: String) -> CacheError {
        let body = String(decoding: data, as: UTF8.self)
        let code = body.range(of: "<Code>").flatMap { start in
            body.range(of: "</Code>", range: start.upperBound..<body.endIndex).map { String(body[start.upperBound..<$0.lowerBound]) }
        }
        let detail = "HTTP \(status)" + (code.map { " \($0)" } ?? "")
        switch status {
        case 401, 403: return CacheError(.refused, cache: name, "refused the credentials while \(doing) (\(detail))")
        case 404: return CacheError(.missing, cache: name, "not found while \(doing) (\(detail)); does the bucket exist? It is not created for you")
        case 300...399:
            return CacheError(.server, cache: name, "answered a redirect (\(detail)) while \(doing); redirects are not followed (credentials would go along): set AWS_REGION or AWS_ENDPOINT_URL to the bucket's own endpoint")
        default: return CacheError(.server, cache: name, "answered \(detail) while \(doing)")
        }
    }
}
