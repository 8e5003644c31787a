import Foundation
import Testing
import VeoRunner
import VeoMedia
import VeoReport

@testable import VeoViews

/// The contact sheet's stills: made once per content, and during the run as clips land.
@Suite("Stills for the contact sheet")
struct StillsTests {
    /// A folder with a stand-in ffmpeg that logs each run and writes a small JPEG to its last argument.
    struct Fixture {
        let root: String
        let media: MediaTools
        var log: String { root + "/ffmpeg.log" }

        init() throws {
            root = NSTemporaryDirectory() + "veo-stills-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: root + "/clips", withIntermediateDirectories: true)
            let ffmpeg = root + "/ffmpeg"
            try """
                #!/bin/sh
                echo "$*" >> '\(root)/ffmpeg.log'
                for last; do :; done
                printf 'jpeg' > "$last"
                """.write(toFile: ffmpeg, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: ffmpeg)
            media = MediaTools(ffmpeg: ffmpeg, ffprobe: ffmpeg)
        }

        func clip(_ name: String) throws -> String {
            let path = root + "/clips/\(name).mp4"
            try Data("clip".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }

        var runs: Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
    }

    @Test func clipsWithTheSameContentShareOnePosterAndOneStrip() async throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        var clips: [ThumbnailMaker.Clip] = []
        for n in 0..<12 { clips.append(.init(sha256: n < 10 ? "aaaa" : "bbbb", path: try f.clip("c\(n)"), seconds: 4)) }
        // A missing clip of known content does not stop the stills of that content.
        clips.insert(.init(sha256: "aaaa", path: f.root + "/clips/gone.mp4", seconds: 4), at: 0)
        let thumbnails = await ThumbnailMaker(outDirectory: f.root, media: f.media, concurrency: 8).make(clips: clips, images: [])
        #expect(f.runs == 4, "ffmpeg ran \(f.runs) times")
        #expect(Set(thumbnails.posters.keys) == ["aaaa", "bbbb"])
        #expect(Set(thumbnails.strips.keys) == ["aaaa", "bbbb"])
    }

    @Test func stillsAreMadeWhileTheRunGoesOnAndNotAgainAfterIt() async throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let stills = StillsInBackground(outDirectory: f.root, media: f.media)
        for n in 0..<3 {
            _ = try f.clip("c\(n)")
            await stills.clipReady(path: "clips/c\(n).mp4", sha256: n == 2 ? "bbbb" : "aaaa", seconds: 4)
        }
        let made = [Thumbnails.posterPath("aaaa"), Thumbnails.stripPath("aaaa"), Thumbnails.posterPath("bbbb"), Thumbnails.stripPath("bbbb")]
        for _ in 0..<500 where !made.allSatisfy({ FileManager.default.fileExists(atPath: f.root + "/" + $0) }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        await stills.finish()
        #expect(f.runs == 4, "ffmpeg ran \(f.runs) times")
        // The contact sheet at the end finds them all and makes none.
        let clips = (0..<3).map { n in ThumbnailMaker.Clip(sha256: n == 2 ? "bbbb" : "aaaa", path: f.root + "/clips/c\(n).mp4", seconds: 4) }
        let thumbnails = await ThumbnailMaker(outDirectory: f.root, media: f.media).make(clips: clips, images: [])
        #expect(f.runs == 4)
        #expect(thumbnails.posters.count == 2 && thumbnails.strips.count == 2)
        // Clips that land after the end are not taken.
        await stills.clipReady(path: "clips/c0.mp4", sha256: "cccc", seconds: 4)
        try await Task.sleep(for: .milliseconds(50))
        #expect(f.runs == 4)
    }
}
