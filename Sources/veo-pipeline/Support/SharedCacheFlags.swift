import ArgumentParser
import Foundation
import VeoCache
import VeoRunner

/// `--cache URL` (or `VEO_CACHE`), `--cache-read-only`, `--cache-optional`: the shared cache of
/// `run` and `plan`.
struct SharedCacheFlags: ParsableArguments {
    @Option(name: .customLong("cache"), help: ArgumentHelp(
        "A shared cache: s3://BUCKET/PREFIX (AWS_* credentials; AWS_ENDPOINT_URL for other S3 servers) or http(s)://… in Bazel's HTTP cache layout (VEO_CACHE_TOKEN). Default: $VEO_CACHE.",
        valueName: "url"))
    var cache: String?

    @Flag(help: "Read the shared cache, write nothing to it, and submit nothing another runner has claimed (for untrusted pull requests).")
    var cacheReadOnly = false

    @Flag(help: "A shared cache that cannot be reached, refuses the credentials, holds a corrupted object or does not take the clips is a warning, not an error.")
    var cacheOptional = false

    /// The cache, checked (reachable, credentials taken) before anything is paid for; nil when
    /// none is set, or when it cannot be used and `--cache-optional` allows going on without it.
    func open() async throws -> SharedCacheOptions? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = cache ?? environment["VEO_CACHE"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        do {
            let remote = try CacheLocation.open(url, environment: environment)
            try await remote.check()
            var options = SharedCacheOptions(cache: remote)
            options.readOnly = cacheReadOnly
            options.optional = cacheOptional
            return options
        } catch let error as CacheError {
            // (`error` names the cache without user info or credentials: `CacheError` never holds them.)
            guard cacheOptional else {
                Terminal.writeStderr("error: \(error)\n")
                throw Exit.cacheUnusable
            }
            Terminal.writeStderr("warning: \(error); running with the local cache only (--cache-optional)\n")
            return nil
        }
    }
}
