import AsyncHTTPClient
public import Foundation
import NIOHTTP1

/// A shared cache behind Bazel's HTTP remote cache protocol (`GET`/`PUT`/`HEAD` on `ac/<key>` and
/// `cas/<sha256>`), e.g. bazel-remote or nginx with WebDAV. It has no create-only write: it shares
/// results, not claims.
public final class HTTPCache: RemoteCache {
    public let name: String
    public var supportsCreateOnly: Bool { false }
    let base: URLComponents
    let transport: CacheTransport

    init(url: URLComponents, token: String?) throws {
        var plain = url
        let authorization: String?
        if let token {
            authorization = "Bearer \(token)"
        } else if let user = url.user {
            authorization = "Basic " + Data("\(user):\(url.password ?? "")".utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        (plain.user, plain.password, plain.query, plain.fragment) = (nil, nil, nil, nil)
        if !plain.path.hasSuffix("/") { plain.path += "/" }
        base = plain
        name = plain.string ?? "(cache)"
        transport = CacheTransport(name: name) { outgoing in
            if let authorization { outgoing.headers.append(("authorization", authorization)) }
        }
    }

    func url(_ path: String) -> URLComponents {
        var parts = base
        parts.path += path
        return parts
    }

    public func check() async throws {
        // A key no one writes: 404 (or 200) proves the server answers and takes the credentials.
        try await transport.perform(.HEAD, url("ac/" + String(repeating: "0", count: 64)), payloadHash: "") { response in
            guard [200, 404].contains(response.status.code) else { throw self.failure(response, "looking up a record") }
        }
    }

    public func read(_ path: String) async throws -> Data? {
        try await transport.perform(.GET, url(path), payloadHash: "") { response in
            switch response.status.code {
            case 200: return try await CacheTransport.collect(response)
            case 404: return nil
            default: throw self.failure(response, "reading \(path)")
            }
        }
    }

    public func write(_ path: String, _ data: Data, contentType: String, createOnly: Bool) async throws -> Bool {
        try await transport.perform(.PUT, url(path), headers: [("content-type", contentType)], body: .data(data), payloadHash: "") { response in
            guard (200...299).contains(Int(response.status.code)) else { throw self.failure(response, "writing \(path)") }
            return true
        }
    }

    public func remove(_ path: String) async throws {
        try await transport.perform(.DELETE, url(path), payloadHash: "") { response in
            guard (200...299).contains(Int(response.status.code)) || response.status.code == 404 else { throw self.failure(response, "removing \(path)") }
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        try await transport.perform(.HEAD, url(path), payloadHash: "") { response in
            switch response.status.code {
            case 200: return true
            case 404: return false
            default: throw self.failure(response, "looking for \(path)")
            }
        }
    }

    public func download(_ path: String, to file: String, limits: DownloadLimits) async throws -> DownloadedObject? {
        switch try await transport.download(url(path), payloadHash: "", to: file, limits: limits) {
        case .object(let object): return object
        case .answer(404, _): return nil
        case .answer(let status, _): throw failure(status: status, "downloading \(path)")
        }
    }

    public func upload(_ path: String, file: String, sha256: String, contentType: String) async throws {
        let size = ((try FileManager.default.attributesOfItem(atPath: file))[.size] as? NSNumber)?.int64Value ?? 0
        try await transport.perform(.PUT, url(path), headers: [("content-type", contentType)], body: .file(file, bytes: size), payloadHash: "") { response in
            guard (200...299).contains(Int(response.status.code)) else { throw self.failure(response, "uploading \(path)") }
        }
    }

    public func shutdown() async { await transport.shutdown() }

    func failure(_ response: HTTPClientResponse, _ doing: String) -> CacheError {
        failure(status: Int(response.status.code), doing)
    }

    func failure(status: Int, _ doing: String) -> CacheError {
        switch status {
        case 401, 403: return CacheError(.refused, cache: name, "refused the credentials while \(doing) (HTTP \(status))")
        case 300...399: return CacheError(.server, cache: name, "answered a redirect (HTTP \(status)) while \(doing); redirects are not followed (credentials would go along): use the final URL")
        default: return CacheError(.server, cache: name, "answered HTTP \(status) while \(doing)")
        }
    }
}
