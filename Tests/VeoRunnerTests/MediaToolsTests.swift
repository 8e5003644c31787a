import Foundation
import Testing
@testable import VeoMedia
import VeoReport

@testable import VeoRunner
import VeoProvider
import VeoManifest
import VeoSupport

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
        #expect(ImageInfo.sniff([UInt8](last))?.format == .png)
        #expect(ImageInfo.sniff([UInt8](last))?.width == 320)
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

@Suite("MP4 header and journal edge cases")
struct RunSafetyUnitTests {
    func write(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("veo-mp4-\(UUID().uuidString).mp4").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let size = UInt32(8 + payload.count)
        return [UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)] + Array(type.utf8) + payload
    }

    @Test func aForgedHugeBoxSizeNeitherCrashesNorPasses() throws {
        // ftyp, then a box claiming a 64-bit size of UInt64.max.
        let huge: [UInt8] = [0, 0, 0, 1] + Array("mdat".utf8) + [UInt8](repeating: 0xFF, count: 8) + [1, 2, 3, 4]
        let path = try write(box("ftyp", Array("isom".utf8) + [0, 0, 0, 0]) + huge)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(MP4Header.inspect(path) == .truncated)
    }

    @Test func aClipCutShortIsTruncatedNotVerified() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-cut-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = try MediaToolsTests.makeClip("320x180", seconds: 4, faststart: true, in: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: clip))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: clip))
        #expect(MP4Header.inspect(clip) == .truncated)
    }

    @Test func aLostOutputStaysForgottenAfterCompaction() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("veo-journal-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let record = OutputRecord(path: "clips/a.mp4", bytes: 1, sha256: "x", width: 1, height: 1, duration: 1, mtime: nil)
        let entries = [
            JournalEntry(event: .submitting, key: "k", job: "a"),
            JournalEntry(event: .submitted, key: "k", job: "a", videoID: "video_1"),
            JournalEntry(event: .completed, key: "k", job: "a", videoID: "video_1", output: record),
            JournalEntry(event: .failed, key: "k", job: "a", videoID: "video_1", code: "output_lost"),
        ]
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var data = Data()
        for entry in entries { data.append(try encoder.encode(entry)); data.append(0x0A) }
        try data.write(to: URL(fileURLWithPath: path))
        for _ in 0..<2 {  // opening compacts the file; the second open reads the compacted one
            var states: [String: KeyState] = [:]
            for entry in Journal.read(path: path) { Journal.apply(entry, to: &states) }
            #expect(states["k"]?.output == nil)
            #expect(states["k"]?.pendingVideoID == nil)
            _ = try Journal(path: path)
        }
    }

    @Test func entriesOfAnotherServerAreIgnored() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("veo-journal-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let emulated = try Journal(path: path, origin: "emulator")
        try await emulated.append(JournalEntry(event: .submitted, key: "k", job: "a", videoID: "video_emu"))
        await emulated.close()
        let real = try Journal(path: path, origin: APIOrigin.of("https://models.example.com"))
        #expect(await real.state(for: "k").pendingVideoID == nil)
        await real.close()
        let again = try Journal(path: path, origin: "emulator")
        #expect(await again.state(for: "k").pendingVideoID == "video_emu")
        await again.close()
    }

    @Test func aSecondRunInTheSameFolderIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let layout = OutputLayout(root: dir)
        let first = try OutputLock(layout: layout)
        #expect(throws: OutputFolderError.self) { _ = try OutputLock(layout: layout) }
        first.release()
        let again = try OutputLock(layout: layout)
        again.release()
    }
}
