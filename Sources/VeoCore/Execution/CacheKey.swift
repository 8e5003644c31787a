import Crypto
import Foundation

/// A job's content key: sha256 over the canonical request (model, expanded prompt, seconds, size)
/// and the bytes of every input image, in order (for an upstream frame, the upstream clip's sha256
/// and which frame), plus the variant and take: takes and variants are independent generations
/// even when their requests are equal. Renaming a shot keeps its key.
public enum CacheKey {
    public struct Input: Sendable, Hashable {
        public var role: PlannedInput.Role
        /// "file", "url" or "frame".
        public var kind: String
        /// sha256 of the file, the URL itself, or the upstream clip's sha256.
        public var identity: String
        public var frame: FramePosition?
    }

    public static let version = "veo-pipeline-key-1"

    public static func compute(
        model: VideoModel, prompt: String, seconds: Int, size: VideoSize, inputs: [Input], variant: String? = nil, take: Int = 1
    ) -> String {
        // Length-prefixed fields: no separator in a prompt can make two requests collide.
        var hasher = SHA256()
        func field(_ text: String) {
            let bytes = Array(text.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        field(version)
        field(model.rawValue)
        field(prompt)
        field(String(seconds))
        field(size.rawValue)
        field(variant ?? "")
        field(String(take))
        field(String(inputs.count))
        for input in inputs {
            field(input.role.rawValue)
            field(input.kind)
            field(input.identity)
            field(input.frame?.rawValue ?? "")
        }
        return hex(hasher.finalize())
    }

    /// The key of a planned job, from the sha256 of its input files (by absolute path) and of the
    /// upstream clips it takes frames from (by job id); nil when one of them is not known.
    public static func forJob(_ job: PlannedJob, fileSHA: [String: String], clipSHA: [String: String]) -> String? {
        var inputs: [Input] = []
        for input in job.inputs {
            switch input.source {
            case .file(let path, _):
                guard let sha = fileSHA[path] else { return nil }
                inputs.append(Input(role: input.role, kind: "file", identity: sha, frame: nil))
            case .url(let url):
                inputs.append(Input(role: input.role, kind: "url", identity: url, frame: nil))
            case .frame(let upstream, let frame):
                guard let sha = clipSHA[upstream] else { return nil }
                inputs.append(Input(role: input.role, kind: "frame", identity: sha, frame: frame))
            }
        }
        return compute(
            model: job.model, prompt: job.prompt, seconds: job.seconds, size: job.size, inputs: inputs, variant: job.variant, take: job.take)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// sha256 of a file, streamed.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }
}
