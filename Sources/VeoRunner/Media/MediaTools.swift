import Foundation
public import VeoSupport
public import VeoProvider
import VeoManifest
import Subprocess

/// ffmpeg and ffprobe: frames of upstream clips, and checks of downloaded clips.
public struct MediaTools: Sendable {
    public struct ClipInfo: Sendable, Hashable {
        public var width: Int
        public var height: Int
        public var duration: Double
    }

    public struct ToolError: UserFacingError, Sendable {
        public var description: String
    }

    public var ffmpeg: String
    public var ffprobe: String

    public init(ffmpeg: String = "ffmpeg", ffprobe: String = "ffprobe") {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
    }

    /// Fails with an install hint when a tool is missing, before anything is paid for. Looks the
    /// tools up without starting them (a run with nothing to do starts no process).
    public func preflight() async throws {
        for tool in [ffmpeg, ffprobe] where Executables.locate(tool) == nil {
            throw ToolError(description:
                "\(tool) is needed to check clips, extract frames and make cuts, and it was not found\(tool.contains("/") ? "" : " on PATH"); install it (Debian/Ubuntu: apt-get install -y ffmpeg)")
        }
    }

    // MARK: - Stills for the contact sheet

    /// A poster still from about a second into the clip (its first frame for shorter clips), 320 px wide.
    public func poster(of clip: String, to destination: String) async throws {
        try await still(["-ss", "1", "-i", clip, "-frames:v", "1", "-vf", "scale=320:-2"], fallback: ["-i", clip, "-frames:v", "1", "-vf", "scale=320:-2"], to: destination)
    }

    /// Frames evenly across the clip side by side (one per second, at most 16), each 160 px wide:
    /// the clip at a glance.
    public func strip(of clip: String, seconds: Int, to destination: String) async throws {
        let tiles = max(1, min(seconds, 16))
        // A long video (a cut) is scanned by its key frames only (one at least per clip it joins):
        // decoding all of it would cost seconds for a strip.
        let keyFramesOnly = seconds > 16 ? ["-skip_frame", "nokey"] : []
        try await still(keyFramesOnly + ["-i", clip, "-frames:v", "1", "-vf", "fps=\(tiles)/\(max(1, seconds)),scale=160:-2,tile=\(tiles)x1"], fallback: nil, to: destination)
    }

    /// A thumbnail of an input image, 160 px high at most.
    public func thumbnail(of image: String, to destination: String) async throws {
        try await still(Self.imageInput(image) + ["-frames:v", "1", "-vf", "scale=-2:'min(160,ih)'"], fallback: nil, to: destination)
    }

    /// `-i image`, read as the image it is: ffmpeg's image2 demuxer would take a `%d` in the path
    /// (an output folder named `o%d`) for a numbered sequence.
    static func imageInput(_ image: String) -> [String] {
        guard case .ok(let info) = ImageFileChecker.inspect(image) else { return ["-i", image] }
        let demuxer = switch info.format {
        case .png: "png_pipe"
        case .jpeg: "jpeg_pipe"
        case .webp: "webp_pipe"
        }
        return ["-f", demuxer, "-i", image]
    }

    /// Runs ffmpeg into a JPEG beside `destination`, then renames it into place (again with
    /// `fallback` when the first arguments give no image, e.g. a seek past a short clip's end).
    /// `-update 1` writes the one file named, never a numbered sequence (`%d` in the folder name).
    private func still(_ arguments: [String], fallback: [String]?, to destination: String) async throws {
        let temp = Self.temporaryPath(for: destination, suffix: ".part.jpg")
        defer { try? FileManager.default.removeItem(atPath: temp) }
        for attempt in [arguments] + (fallback.map { [$0] } ?? []) {
            let result = try await runFFmpeg(["-nostdin", "-v", "error", "-y"] + attempt + ["-q:v", "4", "-update", "1", temp])
            if result.succeeded, let size = (try? FileManager.default.attributesOfItem(atPath: temp))?[.size] as? NSNumber, size.intValue > 0 {
                try AtomicFile.move(temp, to: destination)
                return
            }
        }
        throw ToolError(description: "ffmpeg could not make a still of \(arguments.first { $0.hasPrefix("/") } ?? "a file") for the contact sheet")
    }

    /// Where ffmpeg writes before the result is renamed to `destination`: beside it, with a random
    /// part and `suffix` (`.part.jpg`, `.part.png`: names the leftover sweep knows).
    static func temporaryPath(for destination: String, suffix: String) -> String {
        destination + ".\(UUID().uuidString.prefix(8))" + suffix
    }

    /// Writes the first or last frame of a clip as PNG, atomically. The last frame: every frame of
    /// the last half second is decoded and written over the same file (`-update 1`), so the last
    /// one stays; memory does not grow with the clip's length (no `reverse`, which holds every
    /// decoded frame). A clip with fewer frames than that (1 per second) is tried over its last 3 s.
    public func extractFrame(_ frame: FramePosition, of clip: String, to destination: String) async throws {
        let temp = Self.temporaryPath(for: destination, suffix: ".part.png")
        defer { try? FileManager.default.removeItem(atPath: temp) }
        let attempts: [[String]] = switch frame {
        case .first: [["-i", clip, "-frames:v", "1"]]
        case .last: [["-sseof", "-0.5", "-i", clip], ["-sseof", "-3", "-i", clip]]
        }
        var problem = ""
        for attempt in attempts {
            let arguments = ["-nostdin", "-v", "error", "-y"] + attempt + ["-update", "1", temp]
            let result = try await runFFmpeg(arguments)
            problem = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.succeeded, (ClipStore.size(of: temp) ?? 0) > 0 {
                try AtomicFile.move(temp, to: destination)
                return
            }
            try Task.checkCancellation()
        }
        throw ToolError(description: "ffmpeg could not extract the \(frame.rawValue) frame of \(clip)\(problem.isEmpty ? "" : ": " + problem)")
    }

    /// Width, height and duration of a clip's video, as its video stream itself says (ffprobe
    /// decodes the stream's first frames for its size, and reads its length from the stream, not
    /// the container). A plain MP4's header (`mvhd`, the video track's `tkhd`) must say the same:
    /// a header that claims 4 s over a 120 s stream, or 1280x720 over an 8K one, is refused.
    public func probe(_ clip: String) async throws -> ClipInfo {
        let header: ClipInfo?
        switch MP4Header.inspect(clip) {
        case .clip(let info): header = info
        case .truncated: throw ToolError(description: "\(clip) is cut short: its MP4 boxes run past the end of the file")
        case .unknown: header = nil
        }
        let stream = try await ffprobe(clip)
        guard let header else { return stream }
        if let mismatch = Self.mismatch(header: header, stream: stream) {
            throw ToolError(description: "its MP4 header does not match its video stream: \(mismatch)")
        }
        return header
    }

    /// How a header's size or length differs from the stream's, nil when they agree (the length
    /// within half a second or 5 %: sound priming makes containers a little longer).
    static func mismatch(header: ClipInfo, stream: ClipInfo) -> String? {
        if header.width != stream.width || header.height != stream.height {
            return "the header says \(header.width)x\(header.height), the stream is \(stream.width)x\(stream.height)"
        }
        if abs(header.duration - stream.duration) > max(0.5, 0.05 * stream.duration) {
            return String(format: "the header says %.2f s, the stream lasts %.2f s", header.duration, stream.duration)
        }
        return nil
    }

    /// Width, height and length of a clip's first video stream, as ffprobe reports them: the size
    /// of the decoded frames, and the stream's own duration (else its frame count over its frame
    /// rate, else the container's duration). Values out of range are refused.
    public func ffprobe(_ clip: String) async throws -> ClipInfo {
        let out = try await probeJSON(
            ["-select_streams", "v:0", "-show_entries", "stream=width,height,duration,nb_frames,avg_frame_rate:format=duration", clip], of: clip)
        struct Probe: Decodable {
            struct Stream: Decodable {
                var width: Int?
                var height: Int?
                var duration: String?
                var nb_frames: String?
                var avg_frame_rate: String?
            }
            struct Format: Decodable { var duration: String? }
            var streams: [Stream]?
            var format: Format?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(out.utf8)),
            let stream = probe.streams?.first, let width = stream.width, let height = stream.height
        else {
            throw ToolError(description: "\(clip) has no video stream")
        }
        let frames = stream.nb_frames.flatMap(Double.init)
        let rate = Self.rate(stream.avg_frame_rate)
        let counted = frames.flatMap { frames in rate.map { frames / $0 } }
        let duration = stream.duration.flatMap(Double.init) ?? counted ?? probe.format?.duration.flatMap(Double.init) ?? 0
        guard (1...65_536).contains(width), (1...65_536).contains(height), duration.isFinite, duration >= 0 else {
            throw ToolError(description: "\(clip) has a video stream of impossible size or length (\(width)x\(height), \(duration) s)")
        }
        return ClipInfo(width: width, height: height, duration: duration)
    }

    /// A frame rate as ffprobe writes it (`24/1`, `30000/1001`), nil when absent or not positive.
    static func rate(_ text: String?) -> Double? {
        let parts = (text ?? "").split(separator: "/").compactMap { Double($0) }
        guard parts.count == 2, parts[1] > 0, parts[0] > 0, (parts[0] / parts[1]).isFinite else { return nil }
        return parts[0] / parts[1]
    }

    /// ffprobe's JSON for `arguments`; its own words when it cannot read `file`.
    func probeJSON(_ arguments: [String], of file: String) async throws -> String {
        let result = try await Self.starting("ffprobe", at: ffprobe) {
            try await run(
                executable(ffprobe), arguments: Arguments(["-v", "error"] + arguments + ["-of", "json"]), environment: Self.environment,
                output: .string(limit: 256 * 1024), error: .string(limit: 16 * 1024))
        }
        guard result.terminationStatus.isSuccess else {
            throw ToolError(description: "ffprobe cannot read \(file): \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.standardOutput
    }

    /// How one ffmpeg ended: its status and its error output.
    struct FFmpegRun {
        var succeeded: Bool
        var status: String
        var standardError: String
    }

    /// ffmpeg writes its progress to the tool through a pipe (`-progress pipe:1`, every 2 s):
    /// when the tool is gone (`kill -9`), the next write ends ffmpeg (SIGPIPE, at its default in
    /// every child), so no orphaned ffmpeg goes on writing into the folder after the tool died.
    static let tetheredToTheTool = ["-progress", "pipe:1", "-stats_period", "2"]

    /// The most progress text kept (about 250 bytes every 2 s: some 9 hours of encoding). Past it
    /// the pipe is closed, which would end ffmpeg.
    static let progressLimit = 4 << 20

    /// Runs ffmpeg with `arguments`, tethered to the tool (``tetheredToTheTool``); cancelling the
    /// task stops it.
    func runFFmpeg(_ arguments: [String], errorLimit: Int = 16 * 1024) async throws -> FFmpegRun {
        let result = try await Self.starting("ffmpeg", at: ffmpeg) {
            try await run(
                executable(ffmpeg), arguments: Arguments(Self.tetheredToTheTool + arguments), environment: Self.environment,
                output: .bytes(limit: Self.progressLimit), error: .string(limit: errorLimit))
        }
        return FFmpegRun(succeeded: result.terminationStatus.isSuccess, status: "\(result.terminationStatus)", standardError: result.standardError)
    }

    /// Runs `body`, which starts `tool` (found at `path`); a process that could not be started at
    /// all (too long an argument list, no permission) is said in plain words, with the system's
    /// reason. Every launch of ffmpeg and ffprobe goes through here.
    static func starting<T>(_ tool: String, at path: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SubprocessError {
            let reason = error.underlyingError.map { "\($0)" } ?? "\(error.code)"
            throw ToolError(description: "could not start \(tool) (\(path)): \(reason)")
        }
    }

    /// The tools run with this process's environment less its secrets.
    static let environment = Environment.inherit.updating(
        Dictionary(uniqueKeysWithValues: Secrets.environmentNames.map { (Environment.Key(stringLiteral: $0), String?.none) }))

    func executable(_ tool: String) -> Executable {
        tool.contains("/") ? .path(.init(tool)) : .name(tool)
    }
}
