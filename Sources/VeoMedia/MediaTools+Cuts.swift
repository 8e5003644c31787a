import Foundation
import Subprocess
import VeoSupport

/// ffmpeg and ffprobe for cuts: what a clip carries, the encode itself, and the check of its result.
extension MediaTools {
    /// What ffprobe says of a cut's video: size, frame rate and length (of the video stream, not
    /// the container: AAC priming makes the container's longer).
    public struct VideoStreamInfo: Sendable, Hashable {
        public var width: Int
        public var height: Int
        /// Frames per second, from `r_frame_rate` (`24/1`).
        public var fps: Double
        public var duration: Double
        public var hasAudio: Bool
    }

    /// Size, rate and length of a file's first video stream, and whether it has sound.
    public func videoStream(_ file: String) async throws -> VideoStreamInfo {
        let out = try await probeJSON(["-show_entries", "stream=codec_type,width,height,r_frame_rate,duration", file], of: file)
        struct Probe: Decodable {
            struct Stream: Decodable {
                var codec_type: String?
                var width: Int?
                var height: Int?
                var r_frame_rate: String?
                var duration: String?
            }
            var streams: [Stream]?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(out.utf8)),
            let video = probe.streams?.first(where: { $0.codec_type == "video" }),
            let width = video.width, let height = video.height
        else { throw ToolError(description: "\(file) has no video stream") }
        let rate = (video.r_frame_rate ?? "0/1").split(separator: "/").compactMap { Double($0) }
        let fps = rate.count == 2 && rate[1] != 0 ? rate[0] / rate[1] : 0
        return VideoStreamInfo(
            width: width, height: height, fps: fps, duration: video.duration.flatMap(Double.init) ?? 0,
            hasAudio: probe.streams?.contains { $0.codec_type == "audio" } ?? false)
    }

    /// Runs ffmpeg with `arguments`; its last lines of errors become the error's text. Cancelling
    /// the task stops ffmpeg.
    public func ffmpeg(_ arguments: [String]) async throws {
        let result = try await Self.starting("ffmpeg", at: ffmpeg) {
            try await run(
                executable(ffmpeg), arguments: Arguments(arguments), environment: Self.environment,
                output: .discarded, error: .string(limit: 64 * 1024))
        }
        guard result.terminationStatus.isSuccess else {
            let lines = result.standardError.split(separator: "\n").suffix(4).joined(separator: " | ")
            throw ToolError(description: "ffmpeg failed (\(result.terminationStatus)): \(lines.isEmpty ? "no message" : lines)")
        }
    }
}
