public import VeoManifest
public import VeoReport

/// How one cut ended.
public struct CutOutcome: Sendable {
    public enum Status: String, Sendable, Codable {
        case succeeded, failed, skipped
    }

    /// A clip the cut used: its job and the sha256 of the clip's bytes (nil when the job gave none).
    public struct UsedClip: Sendable, Hashable {
        public var job: String
        public var sha256: String?
    }

    /// The encoded cut as verified: where it is (relative to the output folder) and what it is.
    public typealias Output = RunReport.CutEntry.Output

    public let cut: PlannedCut
    public var status: Status
    /// Taken from the folder's store: nothing was encoded.
    public var cached = false
    public var key: String?
    public var output: Output?
    public var clips: [UsedClip]
    public var failure: String?
    public var skip: Skip?
    /// Seconds ffmpeg took (nil when nothing was encoded).
    public var encodeSeconds: Double?

    static func skipped(_ cut: PlannedCut, because reason: String, cause: Skip.Cause, clips: [UsedClip] = []) -> CutOutcome {
        CutOutcome(cut: cut, status: .skipped, clips: clips.isEmpty ? cut.clips.map { UsedClip(job: $0.job, sha256: nil) } : clips,
                   skip: Skip(cause: cause, reason: reason))
    }
}
