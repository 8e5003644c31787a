import Foundation
public import VeoSupport
public import VeoProvider
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

        package init(description: String) {
            self.description = description
        }
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
        try await still(["-i", image, "-frames:v", "1", "-vf", "scale=-2:'min(160,ih)'"], fallback: nil, to: destination)
    }

    /// Runs ffmpeg into a JPEG beside `destination`, then renames it into place (again with
    /// `fallback` when the first arguments give no image, e.g. a seek past a short clip's end).
    private func still(_ arguments: [String], fallback: [String]?, to destination: String) async throws {
        let temp = destination + ".\(UUID().uuidString.prefix(8)).part.jpg"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        for attempt in [arguments] + (fallback.map { [$0] } ?? []) {
            let result = try await Self.starting("ffmpeg", at: ffmpeg) {
                try await run(
                    executable(ffmpeg), arguments: Arguments(["-nostdin", "-v", "error", "-y"] + attempt + ["-q:v", "4", temp]),
                    environment: Self.environment, output: .discarded, error: .string(limit: 16 * 1024))
            }
            if result.terminationStatus.isSuccess, let size = (try? FileManager.default.attributesOfItem(atPath: temp))?[.size] as? NSNumber, size.intValue > 0 {
                try AtomicFile.move(temp, to: destination)
                return
            }
        }
        throw ToolError(description: "ffmpeg could not make a still of \(arguments.first { $0.hasPrefix("/") } ?? "a file") for the contact sheet")
    }

    /// Writes the first or last frame of a clip as PNG, atomically.
    public func extractFrame(_ frame: FramePosition, of clip: String, to destination: String) async throws {
        let temp = destination + ".\(UUID().uuidString.prefix(8)).part.png"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        var arguments = ["-nostdin", "-v", "error", "-y"]
        switch frame {
        case .first: arguments += ["-i", clip, "-frames:v", "1"]
        // The frames of the last half second, reversed: the first one out is the clip's last frame,
        // and only it is encoded (encoding every frame of that half second as PNG cost ~0.2 s of CPU
        // per extraction; the PNG is byte-identical).
        case .last: arguments += ["-sseof", "-0.5", "-i", clip, "-vf", "reverse", "-frames:v", "1"]
        }
        arguments.append(temp)
        let result = try await Self.starting("ffmpeg", at: ffmpeg) {
            try await run(executable(ffmpeg), arguments: Arguments(arguments), environment: Self.environment, output: .discarded, error: .string(limit: 16 * 1024))
        }
        guard result.terminationStatus.isSuccess, FileManager.default.fileExists(atPath: temp) else {
            throw ToolError(description: "ffmpeg could not extract the \(frame.rawValue) frame of \(clip): \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if FileManager.default.fileExists(atPath: destination) { try FileManager.default.removeItem(atPath: destination) }
        try FileManager.default.moveItem(atPath: temp, toPath: destination)
    }

    /// Width, height and duration of a clip's video: read from the MP4 header when it is a plain
    /// MP4, else from ffprobe (the same fields either way).
    public func probe(_ clip: String) async throws -> ClipInfo {
        switch MP4Header.inspect(clip) {
        case .clip(let info): return info
        case .truncated: throw ToolError(description: "\(clip) is cut short: its MP4 boxes run past the end of the file")
        case .unknown: return try await ffprobe(clip)
        }
    }

    /// Width, height and duration of a clip's first video stream, as ffprobe reports them.
    public func ffprobe(_ clip: String) async throws -> ClipInfo {
        let out = try await probeJSON(["-select_streams", "v:0", "-show_entries", "stream=width,height:format=duration", clip], of: clip)
        struct Probe: Decodable {
            struct Stream: Decodable { var width: Int?; var height: Int? }
            struct Format: Decodable { var duration: String? }
            var streams: [Stream]?
            var format: Format?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(out.utf8)),
            let stream = probe.streams?.first, let width = stream.width, let height = stream.height
        else {
            throw ToolError(description: "\(clip) has no video stream")
        }
        return ClipInfo(width: width, height: height, duration: probe.format?.duration.flatMap(Double.init) ?? 0)
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
