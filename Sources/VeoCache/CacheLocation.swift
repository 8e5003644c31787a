import Foundation

/// Opens the cache a `--cache` URL (or `VEO_CACHE`) names: `s3://BUCKET/PREFIX` (AWS variables for
/// credentials, region and endpoint) or `http(s)://…` (Bazel's HTTP cache layout; a bearer token
/// from `VEO_CACHE_TOKEN`, or basic auth from the URL's user info).
public enum CacheLocation {
    public static func open(_ url: String, environment: [String: String]) throws -> any RemoteCache {
        if url.hasPrefix("s3://") {
            return try S3Cache(url: url, environment: environment)
        }
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            parsed.host?.isEmpty == false
        else {
            throw CacheError(.configuration, cache: redacted(url), "not an s3://BUCKET/PREFIX or http(s):// URL")
        }
        return try HTTPCache(url: parsed, token: environment["VEO_CACHE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The URL without user info, query or fragment: safe to print.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unparsable URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "(unparsable URL)"
    }
}
