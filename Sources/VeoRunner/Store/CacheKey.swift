import Crypto
import Foundation
public import VeoManifest
public import VeoProvider
public import VeoSupport

/// A job's content key: sha256 over the canonical request and the bytes of every input image, in
/// order (for an upstream frame, the upstream clip's sha256 and which frame), plus the variant and
/// take: takes and variants are independent generations even when their requests are equal.
/// Renaming a shot keeps its key.
///
/// The request's fields come from the field table (`VeoProvider/RequestFields.swift`): the
/// `.always` fields (model, expanded prompt, seconds, size) at their fixed place first, then the
/// variant, take and inputs, then each `.whenSet` field the request sets, as its name and value.
/// So a field added to the table leaves every key written before it unchanged, and two requests
/// that differ in any field never share a key (`CacheKeyPinTests`, `RequestFieldCoverageTests`).
public enum CacheKey {
    public static let version = "veo-pipeline-key-1"

    /// The key of `request`, given the identity of each of its inputs in order: the sha256 of a
    /// file, the URL itself, or the sha256 of the upstream clip a frame is taken from.
    public static func compute(_ request: GenerationRequest, identities: [String], variant: String?, take: Int) -> String {
        precondition(identities.count == request.inputs.count, "one identity per input")
        // Length-prefixed fields: no separator in a prompt can make two requests collide.
        var hasher = SHA256()
        func field(_ text: String) {
            let bytes = Array(text.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        field(version)
        let set = RequestFields.values(of: request)
        for (f, value) in set where f.presence == .always { field(value.text) }
        field(variant ?? "")
        field(String(take))
        field(String(request.inputs.count))
        for (input, identity) in zip(request.inputs, identities) {
            field(input.role.rawValue)
            field(input.source.kind.keyToken)
            field(identity)
            field(input.source.framePosition?.rawValue ?? "")
        }
        for (f, value) in set where f.presence == .whenSet {
            field(f.name)
            field(value.text)
        }
        return Hex.encode(hasher.finalize())
    }

    /// The key of a planned job, from the sha256 of its input files (by absolute path) and of the
    /// upstream clips it takes frames from (by job id); nil when one of them is not known.
    public static func forJob(_ job: PlannedJob, fileSHA: [String: String], clipSHA: [String: String]) -> String? {
        var identities: [String] = []
        for input in job.request.inputs {
            switch input.source {
            case .file(let path, _):
                guard let sha = fileSHA[path] else { return nil }
                identities.append(sha)
            case .url(let url):
                identities.append(url)
            case .frame(let upstream, _):
                guard let sha = clipSHA[upstream] else { return nil }
                identities.append(sha)
            }
        }
        return compute(job.request, identities: identities, variant: job.variant, take: job.take)
    }

    /// sha256 of a regular file, streamed. Opened without blocking and checked before reading: a
    /// FIFO or device named as an input never hangs the run.
    public static func sha256(ofFile path: String) throws(FileError) -> String {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, action: "read", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, action: "read", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(path: path, action: "read", reason: "it is not a regular file")
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw FileError(path: path, action: "read", errno: errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
        return Hex.encode(hasher.finalize())
    }
}
