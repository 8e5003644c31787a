import ArgumentParser
import VeoWorkspace

/// `--cache URL` (or `VEO_CACHE`), `--cache-read-only`, `--cache-optional`: the shared cache of
/// `run` and `plan` (opened and checked by `Workspace.openSharedCache`).
struct SharedCacheFlags: ParsableArguments {
    @Option(name: .customLong("cache"), help: ArgumentHelp(
        "A shared cache: s3://BUCKET/PREFIX (AWS_* credentials; AWS_ENDPOINT_URL for other S3 servers) or http(s)://… in Bazel's HTTP cache layout (VEO_CACHE_TOKEN). Default: $VEO_CACHE.",
        valueName: "url"))
    var cache: String?

    @Flag(help: "Read the shared cache, write nothing to it, and submit nothing another runner has claimed (for untrusted pull requests).")
    var cacheReadOnly = false

    @Flag(help: "A shared cache that cannot be reached, refuses the credentials or holds a corrupted object is a warning, not an error.")
    var cacheOptional = false

    func apply(to settings: inout Workspace.Settings) {
        (settings.cache, settings.cacheReadOnly, settings.cacheOptional) = (cache, cacheReadOnly, cacheOptional)
    }
}
