import Foundation

/// Where a run writes, all under one output folder:
///
///     <out>/report.json                 the run report
///     <out>/journal.jsonl               submissions, video ids and outputs (resume and cache)
///     <out>/clips/<shot>.mp4            a job without variants, take 1
///     <out>/clips/<shot>/<variant>.mp4  a variant, take 1
///     <out>/clips/<...>.take<N>.mp4     take N > 1
///     <out>/frames/<job>.<first|last>.png  frames extracted for downstream jobs
///
/// Job ids are restricted to `[A-Za-z0-9_-]` (and `/`, `#` from the planner), so no id can name a
/// path outside the folder; `path(for:)` checks it anyway.
public struct OutputLayout: Sendable {
    public var root: String

    public init(root: String) {
        self.root = FilePaths.resolve(root, against: FileManager.default.currentDirectoryPath)
    }

    public var reportPath: String { root + "/report.json" }
    public var journalPath: String { root + "/journal.jsonl" }
    public var framesDirectory: String { root + "/frames" }

    /// The clip's path relative to the root.
    public static func relativeClipPath(shot: String, variant: String?, take: Int) -> String {
        var path = "clips/" + shot
        if let variant { path += "/" + variant }
        if take > 1 { path += ".take\(take)" }
        return path + ".mp4"
    }

    public func absolute(_ relative: String) throws -> String {
        let full = FilePaths.resolve(relative, against: root)
        guard full.hasPrefix(root + "/") else {
            throw MediaTools.ToolError(description: "refusing to write outside the output folder: \(relative)")
        }
        return full
    }

    public func framePath(job: String, frame: FramePosition) -> String {
        let safe = job.replacingOccurrences(of: "/", with: "--").replacingOccurrences(of: "#", with: ".take")
        return framesDirectory + "/\(safe).\(frame.rawValue).png"
    }
}
