import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
public import VeoProvider
public import VeoSupport

/// Downloads an image named by URL in a manifest, for a job that also uploads files (the provider
/// takes URLs only in JSON bodies and files only in multipart ones, so such a job sends every
/// image as a file). http and https only, at most `maxRedirects` hops, a size cap, a deadline,
/// the bytes checked as PNG, JPEG or WebP. Never sends the API key. Revalidates with `ETag` or
/// `Last-Modified` when it fetched the same URL before.
public struct ImageFetcher: Sendable {
    /// What an earlier fetch of a URL gave: its validators and the file it was stored as.
    public struct Cached: Codable, Sendable, Hashable {
        public var url: String
        public var etag: String?
        public var lastModified: String?
        public var sha256: String
        public var format: ImageFormat
        public var path: String

        enum CodingKeys: String, CodingKey {
            case url, etag, sha256, format, path
            case lastModified = "last_modified"
        }
    }

    public struct Failure: UserFacingError, Sendable {
        public var description: String
    }

    public static let maxBytes = 20 * 1024 * 1024
    public static let maxRedirects = 5
    public static let timeout = Duration.seconds(60)

    let httpClient: HTTPClient

    public init(client: VideoAPIClient) {
        httpClient = client.httpClient
    }

    /// The image at `url`, stored in `directory` as `<sha256>.<format>`; `previous` is revalidated
    /// and reused when the server says it has not changed.
    public func fetch(_ url: String, into directory: String, previous: Cached?) async throws -> Cached {
        do {
            return try await withDeadline(Self.timeout) { try await self.fetchFollowing(url, into: directory, previous: previous) }
        } catch is DeadlineExceeded {
            throw Failure(description: "cannot fetch image \(ServerText.sanitized(url)): no complete answer within \(Self.timeout)")
        }
    }

    private func fetchFollowing(_ start: String, into directory: String, previous: Cached?) async throws -> Cached {
        var url = start
        for _ in 0...Self.maxRedirects {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw Failure(description: "cannot fetch image \(ServerText.sanitized(start)): only http and https URLs are fetched, not \(ServerText.sanitized(url))")
            }
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "veo-pipeline")
            if let previous, previous.url == start, FileManager.default.fileExists(atPath: previous.path) {
                if let etag = previous.etag { request.headers.add(name: "If-None-Match", value: etag) }
                if let modified = previous.lastModified { request.headers.add(name: "If-Modified-Since", value: modified) }
            }
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: .seconds(30))
            } catch {
                throw Failure(description: "cannot fetch image \(ServerText.sanitized(start)): no answer from \(ServerText.sanitized(parsed.host ?? url))")
            }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location") {
                _ = try? await response.body.collect(upTo: 64 * 1024)
                url = URL(string: location, relativeTo: parsed)?.absoluteURL.absoluteString ?? location
                continue
            }
            if status == 304, let previous { return previous }
            guard status == 200 else {
                throw Failure(description: "cannot fetch image \(ServerText.sanitized(start)): the server answered HTTP \(status)")
            }
            return try await store(response, from: start, into: directory)
        }
        throw Failure(description: "cannot fetch image \(ServerText.sanitized(start)): more than \(Self.maxRedirects) redirects")
    }

    /// The body, capped and checked, written as `<sha256>.<format>` (atomically).
    private func store(_ response: HTTPClientResponse, from url: String, into directory: String) async throws -> Cached {
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > Self.maxBytes {
            throw Failure(description: "cannot use image \(ServerText.sanitized(url)): it is \(length) bytes, more than the \(Self.maxBytes / (1024 * 1024)) MiB limit")
        }
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            bytes += chunk.readableBytesView
            if bytes.count > Self.maxBytes {
                throw Failure(description: "cannot use image \(ServerText.sanitized(url)): it is more than the \(Self.maxBytes / (1024 * 1024)) MiB limit")
            }
        }
        guard let info = ImageInfo.sniff(bytes) else {
            throw Failure(description: "cannot use image \(ServerText.sanitized(url)): it is not a PNG, JPEG or WebP image (checked by content)")
        }
        let sha = Hex.encode(SHA256.hash(data: bytes))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + sha + "." + info.format.rawValue
        try AtomicFile.write(bytes, to: path)
        return Cached(
            url: url, etag: response.headers.first(name: "etag"), lastModified: response.headers.first(name: "last-modified"),
            sha256: sha, format: info.format, path: path)
    }
}
