import Foundation
import Testing

@testable import VeoRunner
import VeoProvider
import VeoSupport

/// Clips whose MP4 header lies about their video stream, and frames taken without holding the
/// clip in memory (issue 24, items 8 and 16).
@Suite("Clip checks against the video stream")
struct StreamCheckTests {
    static func folder(_ name: String = "") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-stream-\(UUID().uuidString)\(name)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A plain colour clip encoded by ffmpeg (small: a still compresses to almost nothing).
    static func encode(size: String, rate: Int, seconds: Int, to path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x3366cc:s=\(size):r=\(rate):d=\(seconds)",
                             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ffmpeg is needed for this test (apt-get install -y ffmpeg)")
    }

    /// Rewrites the header: `mvhd`'s duration to `seconds`, and the video track's `tkhd` size.
    static func forgeHeader(_ path: String, seconds: Double? = nil, width: Int? = nil, height: Int? = nil) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func find(_ type: String) throws -> Int {
            let needle = Array(type.utf8)
            let at = bytes.indices.dropLast(4).first { bytes[$0..<($0 + 4)].elementsEqual(needle) }
            return try #require(at, "no \(type) box")
        }
        func put32(_ value: UInt32, at i: Int) {
            for k in 0..<4 { bytes[i + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
        }
        if let seconds {
            let mvhd = try find("mvhd")
            #expect(bytes[mvhd + 4] == 0, "version 0 mvhd")
            let timescale = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[mvhd + 16 + $1]) }
            put32(UInt32(seconds * Double(timescale)), at: mvhd + 20)
        }
        if let width, let height {
            let tkhd = try find("tkhd")
            let size = (0..<4).reduce(0) { $0 << 8 | Int(bytes[tkhd - 4 + $1]) }
            let end = tkhd - 4 + size
            put32(UInt32(width) << 16, at: end - 8)
            put32(UInt32(height) << 16, at: end - 4)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aHeaderThatSaysFourSecondsOverALongStreamIsRefused() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = dir + "/lie.mp4"
        try Self.encode(size: "1280x720", rate: 1, seconds: 120, to: clip)
        try Self.forgeHeader(clip, seconds: 4)
        // The header alone believes it.
        #expect(MP4Header.probe(clip)?.duration == 4)
        let error = await #expect(throws: MediaTools.ToolError.self) { try await MediaTools().probe(clip) }
        #expect(error?.description.contains("the header says 4.00 s, the stream lasts 120.00 s") == true)
    }

    @Test func aHeaderThatSays720pOverAn8KStreamIsRefused() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = dir + "/big.mp4"
        try Self.encode(size: "7680x4320", rate: 2, seconds: 4, to: clip)
        try Self.forgeHeader(clip, width: 1280, height: 720)
        #expect(MP4Header.probe(clip)?.width == 1280)
        let error = await #expect(throws: MediaTools.ToolError.self) { try await MediaTools().probe(clip) }
        #expect(error?.description.contains("the header says 1280x720, the stream is 7680x4320") == true)
    }

    @Test func anHonestClipPassesWithItsHeadersValues() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = dir + "/ok.mp4"
        try Self.encode(size: "1280x720", rate: 8, seconds: 4, to: clip)
        let info = try await MediaTools().probe(clip)
        #expect(info.width == 1280 && info.height == 720 && abs(info.duration - 4) < 0.01)
    }

    @Test func theMismatchToleratesSoundPrimingButNotMore() {
        let stream = MediaTools.ClipInfo(width: 1280, height: 720, duration: 4)
        #expect(MediaTools.mismatch(header: .init(width: 1280, height: 720, duration: 4.04), stream: stream) == nil)
        #expect(MediaTools.mismatch(header: .init(width: 1280, height: 720, duration: 5), stream: stream) != nil)
        #expect(MediaTools.mismatch(header: .init(width: 1280, height: 736, duration: 4), stream: stream) != nil)
    }

    /// The last frame of a 1-frame-per-second clip (nothing in its last half second), in a folder
    /// whose name has `%d` in it (ffmpeg's image sequence pattern).
    @Test(arguments: [1, 8])
    func theLastFrameIsTakenAtAnyRateInAFolderNamedLikeAPattern(rate: Int) async throws {
        let dir = try Self.folder("-o%d")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = dir + "/clip.mp4"
        try Self.encode(size: "320x180", rate: rate, seconds: 4, to: clip)
        try await MediaTools().extractFrame(.last, of: clip, to: dir + "/last.png")
        try await MediaTools().extractFrame(.first, of: clip, to: dir + "/first.png")
        for name in ["last.png", "first.png"] {
            let png = try #require(FileManager.default.contents(atPath: dir + "/" + name))
            #expect(ImageInfo.sniff([UInt8](png))?.width == 320)
        }
        // Stills of the clip and a thumbnail of the frame, beside it.
        try await MediaTools().poster(of: clip, to: dir + "/poster.jpg")
        try await MediaTools().thumbnail(of: dir + "/last.png", to: dir + "/thumb.jpg")
        #expect(FileManager.default.fileExists(atPath: dir + "/poster.jpg") && FileManager.default.fileExists(atPath: dir + "/thumb.jpg"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".part") }
        #expect(left.isEmpty)
    }
}
