import Foundation
import Testing

@testable import VeoRunner
@testable import VeoViews
import VeoManifest
import VeoProvider
import VeoSupport

/// Values from outside (a journal, a report, a planted link) that must neither crash a run nor
/// lead it outside its output folder (issue 24, items 1, 5, 12, 18).
@Suite("Hostile values in the output folder")
struct HostileValuesTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static let sha = String(repeating: "ab", count: 32)

    static func completedLine(duration: String, sha256: String = sha, videoID: String = "video_1") -> String {
        #"{"at":"2026-01-01T00:00:00Z","event":"completed","job":"a","key":"k1","video_id":"\#(videoID)","output":{"path":"clips/a.mp4","bytes":1000,"sha256":"\#(sha256)","width":1280,"height":720,"duration":\#(duration)}}"#
    }

    // MARK: - Item 1: whole numbers from outside never trap

    @Test(arguments: [Double.infinity, -.infinity, .nan, 1e300, -1e300, 1e6])
    func aCutRecipeTakesAnyLengthWithoutTrapping(duration: Double) {
        let cut = PlannedCut(
            id: "reel", size: FrameSize(width: 1280, height: 720), fps: 24,
            clips: [PlannedCutClip(job: "a", start: 0, end: nil, fade: 0, seconds: 4), PlannedCutClip(job: "b", start: 0, end: nil, fade: 1e300, seconds: 4)],
            position: SourcePosition(line: 1, column: 1))
        let sources = [CutRecipe.Source(path: "/a.mp4", duration: duration, hasAudio: false), CutRecipe.Source(path: "/b.mp4", duration: 4, hasAudio: false)]
        let recipe = CutRecipe(cut: cut, sources: sources)
        // At most an hour of a clip, never days of silence.
        #expect(recipe.segments[0].frames <= Int(CutRecipe.longestSource) * 24)
        #expect(recipe.segments[1].fadeFrames < recipe.segments[1].frames)
        #expect(!recipe.filterGraph().graph.contains("inf") && !recipe.filterGraph().graph.contains("nan"))
    }

    @Test func roundingFromOutsideClampsInsteadOfTrapping() {
        #expect(Int(rounding: 1e300, within: 0...100) == 100)
        #expect(Int(rounding: -.infinity, within: 0...100) == 0)
        #expect(Int(rounding: .nan, within: 0...100) == nil)
        #expect(Int(rounding: 2.5, within: 0...Int.max) == 3)
        #expect(Int(rounding: 2.1, .up, within: 0...Int.max) == 3)
        #expect(Int(rounding: 1e19, within: 0...Int.max) == Int.max)
    }

    // MARK: - Item 1: the journal

    @Test(arguments: ["1e300", "1000000", "0", "-4"])
    func aCompletedLineWithAnImpossibleDurationIsNoVerifiedClip(duration: String) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/journal.jsonl"
        try (Self.completedLine(duration: duration) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let states = CacheStatus.keyStates(journalPath: path, origin: nil)
        let state = try #require(states["k1"])
        #expect(state.output == nil)
        // Downloaded again by its video id and verified, not paid for again.
        #expect(state.pendingVideoID == "video_1")
    }

    @Test func aCompletedLineWithAPathForASha256OrABadVideoIDIsNoVerifiedClip() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/journal.jsonl"
        let lines = [
            Self.completedLine(duration: "4", sha256: "../../../../etc/passwd"),
            Self.completedLine(duration: "4", videoID: "bad\\u001b[2Jid").replacingOccurrences(of: "\"k1\"", with: "\"k2\""),
            Self.completedLine(duration: "4").replacingOccurrences(of: "\"k1\"", with: "\"k3\""),
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let states = CacheStatus.keyStates(journalPath: path, origin: nil)
        #expect(states["k1"]?.output == nil && states["k1"]?.pendingVideoID == "video_1")
        #expect(states["k2"]?.output == nil && states["k2"]?.pendingVideoID == nil && states["k2"]?.outputVideoID == nil)
        #expect(states["k3"]?.output?.duration == 4 && states["k3"]?.outputVideoID == "video_1")
    }

    @Test(arguments: [
        #"{"at":"2026-01-01T00:00:00Z","event":"submitting","job":"a","key":"k1""#,
        #"{"at":"2026-01-01T00:00:00Z","event":"submitted","job":"a","key":"k1"}"#,
        #"{"at":"2026-01-01T00:00:00Z","event":"submitted","job":"a","key":"k1","video_id":"../x"}"#,
        #"{"at":"yesterday","event":"submitted","job":"a","key":"k1","video_id":"video_1"}"#,
    ])
    func anUnreadableSubmissionLineStopsTheRunNamingFileAndLine(line: String) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/journal.jsonl"
        try ([Self.completedLine(duration: "4"), "not json at all", line, ""].joined(separator: "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: OutputFolderError.self) { _ = try Journal(path: path) }
        #expect(error.description.contains("\(path) line 3 is a submission entry that cannot be read"))
        #expect(throws: OutputFolderError.self) { try OutputLayout(root: dir).checkWritable() }
        // Nothing was rewritten: the line is still there to be looked at.
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(line))
    }

    @Test func otherUnreadableLinesAreSkippedAsBefore() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/journal.jsonl"
        try ([Self.completedLine(duration: "4"), #"{"at":"2026-01-01T00:00:00Z","event":"compl"#].joined(separator: "\n")).write(toFile: path, atomically: true, encoding: .utf8)
        let journal = try Journal(path: path)
        #expect(await journal.state(for: "k1").output?.duration == 4)
    }

    // MARK: - Item 5: links planted in the output folder

    @Test(arguments: ["thumbs", "cache", "cache/cas", "cache/ac", "cache/cuts", "cuts", "inputs", "spending.jsonl", ".lock", "journal.jsonl", "report.json"])
    func aPlantedLinkIsRefusedBeforeTheRun(name: String) throws {
        let dir = try Self.folder()
        let elsewhere = try Self.folder()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: name.hasPrefix("cache/") ? out + "/cache" : out, withIntermediateDirectories: true)
        let isFile = name.contains(".") && name != "cache"
        if isFile { _ = FileManager.default.createFile(atPath: elsewhere + "/target", contents: Data()) }
        try FileManager.default.createSymbolicLink(atPath: out + "/" + name, withDestinationPath: isFile ? elsewhere + "/target" : elsewhere)
        let error = try #require(throws: OutputFolderError.self) { try OutputLayout(root: out).checkWritable() }
        #expect(error.description.contains("refusing to write through the symbolic link \(out)/\(name)"))
        if name == ".lock" {
            #expect(throws: OutputFolderError.self) { _ = try OutputLock(layout: OutputLayout(root: out)) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).filter { $0 != "target" }.isEmpty)
    }

    @Test func theClipStoreNeverWritesThroughAPlantedLink() throws {
        let dir = try Self.folder()
        let elsewhere = try Self.folder()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        let layout = OutputLayout(root: dir)
        try FileManager.default.createDirectory(atPath: dir + "/cache", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/cache/cas", withDestinationPath: elsewhere)
        _ = FileManager.default.createFile(atPath: dir + "/clip.mp4", contents: Data("clip".utf8))
        let output = OutputRecord(path: "clip.mp4", bytes: 4, sha256: Self.sha, width: 1280, height: 720, duration: 4)
        ClipStore(layout: layout).keep(dir + "/clip.mp4", output: output, key: "k", model: "m", videoID: nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    // MARK: - Item 18: the leftover sweep

    @Test func theSweepRemovesEveryTemporaryNameTheToolMakes() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let leftovers = [
            "thumbs/\(Self.sha).poster.jpg.1a2b3c4d.part.jpg", "frames/a.last.png.1a2b3c4d.part.png", "clips/.a.mp4.1a2b3c4d.part",
            "clips/.a.mp4.incoming.mp4", "cuts/reel.mp4.part", "cuts/reel.mp4.part.filtergraph", "cache/cas/\(Self.sha).part",
            "cache/ac/k.part", "inputs/x.png.part", "report.json.part", "index.html.part", ".write-test-123",
        ]
        let kept = ["thumbs/\(Self.sha).poster.jpg", "clips/a.mp4", "clips/a.mp4.rejected.mp4", "cuts/reel.mp4", "report.json"]
        for name in leftovers + kept {
            try FileManager.default.createDirectory(atPath: ((dir + "/" + name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("x".utf8))
        }
        OutputLayout(root: dir).removeLeftovers()
        for name in leftovers { #expect(!FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)") }
        for name in kept { #expect(FileManager.default.fileExists(atPath: dir + "/" + name), "\(name)") }
    }

    // MARK: - Item 12: a crafted report

    @Test func thumbnailsAreNeverNamedByAFieldThatIsNotASha256() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let clip = try MediaToolsTests.makeClip("320x180", seconds: 2, faststart: false, in: out)
        let maker = ThumbnailMaker(outDirectory: out)
        let made = await maker.make(clips: [.init(sha256: "../../x", path: clip, seconds: 2)], images: [.init(sha256: "../../y", path: clip)])
        #expect(made.posters.isEmpty && made.strips.isEmpty && made.images.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
        #expect(!FileManager.default.fileExists(atPath: out + "/thumbs/../../x.poster.jpg"))
    }
}
