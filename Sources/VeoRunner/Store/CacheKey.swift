import Crypto
import Foundation
public import VeoManifest
public import VeoProvider
public import VeoSupport

/// A job's content key: sha256 over the canonical request (model, expanded prompt, seconds, size)
/// and the bytes of every input image, in order (for an upstream frame, the upstream clip's sha256
/// and which frame), plus the variant and take: takes and variants are independent generations
/// even when their requests are equal. Renaming a shot keeps its key.
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
        field(request.model.rawValue)
        field(request.prompt)
        field(String(request.seconds.rawValue))
        field(request.size.rawValue)
        field(variant ?? "")
        field(String(take))
        field(String(request.inputs.count))
        for (input, identity) in zip(request.inputs, identities) {
            field(input.role.rawValue)
            field(input.source.kind)
            field(identity)
            if case .frame(_, let frame) = input.source { field(frame.rawValue) } else { field("") }
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

    /// sha256 of a regular file, streamed (`FileHash`).
    public static func sha256(ofFile path: String) throws(FileError) -> String {
        try FileHash.sha256(ofFile: path)
    }
}
