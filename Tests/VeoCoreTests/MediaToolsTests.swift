import Foundation
import Testing

@testable import VeoCore

@Suite("Clip checks")
struct MediaToolsTests {
    static func makeClip(_ size: String, seconds: Int, faststart: Bool, in dir: String) throws -> String {
        let path = dir + "/clip-\(size)-\(seconds)-\(faststart).mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=\(size):r=8:d=\(seconds)",
                             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
            + (faststart ? ["-movflags", "+faststart"] : []) + [path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ffmpeg is needed for this test (apt-get install -y ffmpeg)")
        return path
    }

    @Test(arguments: [("1280x720", 4, false), ("720x1280", 6, true), ("1920x1080", 8, false)])
    func headerProbeAgreesWithFFprobe(size: String, seconds: Int, faststart: Bool) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-probe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = try Self.makeClip(size, seconds: seconds, faststart: faststart, in: dir)
        let native = try #require(MP4Header.probe(clip))
        let probed = try await MediaTools().ffprobe(clip)
        #expect(native.width == probed.width && native.height == probed.height)
        #expect(abs(native.duration - probed.duration) < 0.05)
        #expect("\(native.width)x\(native.height)" == size)
        #expect(abs(native.duration - Double(seconds)) < 0.2)
    }

    @Test func notAnMP4GivesNilAndFFprobeFails() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("veo-notmp4-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("\0\0\0\u{10}ftypisom this is not a movie at all".utf8).write(to: URL(fileURLWithPath: path))
        #expect(MP4Header.probe(path) == nil)
        await #expect(throws: MediaTools.ToolError.self) { try await MediaTools().probe(path) }
    }

    @Test func lastFrameDiffersFromFirst() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-frames-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = try Self.makeClip("320x180", seconds: 4, faststart: false, in: dir)
        try await MediaTools().extractFrame(.first, of: clip, to: dir + "/first.png")
        try await MediaTools().extractFrame(.last, of: clip, to: dir + "/last.png")
        let first = try #require(FileManager.default.contents(atPath: dir + "/first.png"))
        let last = try #require(FileManager.default.contents(atPath: dir + "/last.png"))
        #expect(ImageFileInfo.sniff([UInt8](last))?.format == .png)
        #expect(ImageFileInfo.sniff([UInt8](last))?.width == 320)
        #expect(first != last)
        #expect(!FileManager.default.fileExists(atPath: dir + "/last.png.part.png"))
    }
}

@Suite("File paths")
struct PathsTests {
    @Test(arguments: [
        ("assets/a.png", "/m", "/m/assets/a.png"),
        ("./assets/../b.png", "/m/x", "/m/x/b.png"),
        ("../../../etc/passwd", "/m", "/etc/passwd"),
        ("/abs//c.png", "/m", "/abs/c.png"),
    ])
    func resolve(relative: String, directory: String, expected: String) {
        #expect(FilePaths.resolve(relative, against: directory) == expected)
    }

    @Test func outputLayoutRefusesEscapes() throws {
        let layout = OutputLayout(root: "/tmp/out")
        #expect(try layout.absolute("clips/a.mp4") == "/tmp/out/clips/a.mp4")
        #expect(throws: (any Error).self) { try layout.absolute("../evil.mp4") }
        #expect(throws: (any Error).self) { try layout.absolute("clips/../../evil.mp4") }
    }
}
