public import Foundation

/// A shared cache on object storage, in Bazel's layout: `ac/<key>` (small records),
/// `cas/<sha256>` (clips), and with S3 `claims/<key>`. Paths below are relative to the cache's
/// root (bucket and prefix, or the URL).
public protocol RemoteCache: Sendable {
    /// Where the cache is, for messages: never credentials.
    var name: String { get }
    /// Whether `write(createOnly: true)` is honoured by the server (S3's `If-None-Match: *`).
    /// Without it, runners share results but not claims.
    var supportsCreateOnly: Bool { get }
    /// Reaches the cache with its credentials: a ``CacheError`` when it cannot.
    func check() async throws
    /// A small object, or nil when absent.
    func read(_ path: String) async throws -> Data?
    /// Writes a small object; with `createOnly`, returns false when it already existed.
    @discardableResult
    func write(_ path: String, _ data: Data, contentType: String, createOnly: Bool) async throws -> Bool
    /// Removes an object; an absent one is no error.
    func remove(_ path: String) async throws
    /// Whether an object exists.
    func exists(_ path: String) async throws -> Bool
    /// Streams an object into `file`, within `limits`; nil when absent.
    func download(_ path: String, to file: String, limits: DownloadLimits) async throws -> DownloadedObject?
    /// Streams `file` into an object whose sha256 is known (the caller hashed it).
    func upload(_ path: String, file: String, sha256: String, contentType: String) async throws
    /// Releases what the cache holds (the HTTP client is the process-wide one).
    func shutdown() async
}

extension RemoteCache {
    /// Streams an object into `file` with no limit but the transport's own (30 minutes).
    public func download(_ path: String, to file: String) async throws -> DownloadedObject? {
        try await download(path, to: file, limits: DownloadLimits())
    }
}

/// What a download may take: an object larger than `maxBytes` is cut off at that size and
/// refused (a record says how large its object is); one still arriving after `timeout` (the
/// job's `--job-timeout`) is given up, however slowly it trickles. `progress` is told the bytes
/// written so far, at most once a second.
public struct DownloadLimits: Sendable {
    public var maxBytes: Int64?
    public var timeout: Duration?
    public var progress: (@Sendable (Int64) -> Void)?

    public init(maxBytes: Int64? = nil, timeout: Duration? = nil, progress: (@Sendable (Int64) -> Void)? = nil) {
        (self.maxBytes, self.timeout, self.progress) = (maxBytes, timeout, progress)
    }
}

/// What a download wrote.
public struct DownloadedObject: Sendable, Hashable {
    public var bytes: Int64
    public var sha256: String
}

/// A cache that could not be used. Its text names the cache and the cause, never a credential.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case unreachable, refused, missing, server, corrupted, configuration
    }

    public var kind: Kind
    public var cache: String
    public var cause: String

    public init(_ kind: Kind, cache: String, _ cause: String) {
        (self.kind, self.cache, self.cause) = (kind, cache, cause)
    }

    public var description: String { "shared cache \(cache): \(cause)" }
}

/// The runner's view of the cache's objects.
public enum CachePaths {
    /// Whether `text` is a sha256 as the cache names objects: 64 lowercase hex digits. Anything
    /// else from a record (`../../etc/passwd`) never reaches a URL.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    public static func record(_ key: String) -> String { "ac/" + key }
    public static func object(_ sha256: String) -> String { "cas/" + sha256 }
    public static func claim(_ key: String) -> String { "claims/" + key }
}
