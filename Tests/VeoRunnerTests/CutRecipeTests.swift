import Foundation
import Testing
@testable import VeoMedia

@testable import VeoRunner
import VeoManifest

/// The cut's ffmpeg recipe (lengths in frames, the filter graph, the key), its check of the
/// encoded file, and which cuts wait on which jobs.
@Suite("Cut recipe")
struct CutRecipeTests {
    static func cut(_ clips: [PlannedCutClip], size: FrameSize = FrameSize(width: 1280, height: 720), fps: Int = 24) -> PlannedCut {
        PlannedCut(id: "reel", size: size, fps: fps, clips: clips, position: SourcePosition(line: 1, column: 1))
    }

    static func clip(_ job: String, start: Double = 0, end: Double? = nil, fade: Double = 0, seconds: Int = 4) -> PlannedCutClip {
        PlannedCutClip(job: job, start: start, end: end, fade: fade, seconds: seconds)
    }

    static func sources(_ n: Int, duration: Double = 4, audio: Bool = false) -> [CutRecipe.Source] {
        (0..<n).map { CutRecipe.Source(path: "/clips/\($0).mp4", duration: duration, hasAudio: audio) }
    }

    @Test func lengthsAreCountedInFramesOfTheCutsRate() {
        let recipe = CutRecipe(
            cut: Self.cut([Self.clip("a"), Self.clip("b", start: 0.5, end: 3.5), Self.clip("c", fade: 1)]), sources: Self.sources(3))
        #expect(recipe.segments.map(\.startFrame) == [0, 12, 0])
        #expect(recipe.segments.map(\.frames) == [96, 72, 96])
        #expect(recipe.segments.map(\.fadeFrames) == [0, 0, 24])
        #expect(recipe.totalFrames == 96 + 72 + 96 - 24)
        #expect(recipe.expectedSeconds == 10)
    }

    @Test func aClipShorterThanItsRequestIsCutAtItsRealEnd() {
        // A provider clip of 7.9 s where 8 were asked: the out point is the clip's end.
        let recipe = CutRecipe(cut: Self.cut([Self.clip("a", seconds: 8)]), sources: Self.sources(1, duration: 7.9))
        #expect(recipe.segments[0].frames == 190)
    }

    @Test func hardCutsAreOneConcatAndFadesJoinTheRuns() {
        let recipe = CutRecipe(
            cut: Self.cut([Self.clip("a"), Self.clip("b"), Self.clip("c", fade: 0.5), Self.clip("d")]),
            sources: Self.sources(4))
        let (graph, video, audio) = recipe.filterGraph()
        #expect(graph.contains("[v0][a0][v1][a1]concat=n=2:v=1:a=1[gv0][ga0]"), "\(graph)")
        #expect(graph.contains("[v2][a2][v3][a3]concat=n=2:v=1:a=1[gv1][ga1]"), "\(graph)")
        // The runs are 8 s each; the fade starts half a second before the first ends.
        #expect(graph.contains("[gv0][gv1]xfade=transition=fade:duration=0.5:offset=7.5[xv1]"), "\(graph)")
        #expect(graph.contains("[ga0][ga1]acrossfade=d=0.5[xa1]"), "\(graph)")
        #expect((video, audio) == ("xv1", "xa1"))
        #expect(recipe.totalFrames == 4 * 96 - 12)
    }

    @Test func everyClipIsNormalisedAndSilenceStandsInForMissingSound() {
        var sources = Self.sources(2)
        sources[1].hasAudio = true
        let recipe = CutRecipe(cut: Self.cut([Self.clip("a", start: 1), Self.clip("b")], size: FrameSize(width: 640, height: 360), fps: 30), sources: sources)
        let (graph, _, _) = recipe.filterGraph()
        #expect(graph.contains("[0:v]setpts=PTS-STARTPTS,scale=640:360:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=640:360:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=30,"), "\(graph)")
        #expect(graph.contains("trim=start_frame=30:end_frame=120"), "\(graph)")
        #expect(graph.contains("anullsrc=channel_layout=stereo:sample_rate=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,atrim=duration=3[a0]"), "\(graph)")
        #expect(graph.contains("[1:a]asetpts=PTS-STARTPTS,aresample=48000,"), "\(graph)")
        #expect(!graph.contains("[0:a]"))
        let (arguments, graphFile) = recipe.invocation(output: "/out/cuts/reel.mp4.part")
        #expect(graphFile == nil, "a short graph is an argument")
        #expect(arguments.filter { $0 == "-i" }.count == 2)
        #expect(arguments.suffix(5) == ["-movflags", "+faststart", "-f", "mp4", "/out/cuts/reel.mp4.part"])
        #expect(arguments.contains("[gv0]") && arguments.contains("[ga0]"), "the joined run of hard cuts is what is encoded")
    }

    @Test func aGraphTooLongForOneArgumentIsReadFromAFileAndEncodes() async throws {
        // 400 clips: the graph is longer than Linux lets one argument be.
        let long = CutRecipe(cut: Self.cut((0..<400).map { Self.clip("c\($0)") }), sources: Self.sources(400))
        #expect(long.filterGraph().graph.utf8.count > 128 * 1024)
        let (byFile, longGraph) = long.invocation(output: "/out/cut.part")
        #expect(longGraph?.path == "/out/cut.part.filtergraph" && longGraph?.graph == long.filterGraph().graph)
        #expect(byFile.contains("-filter_complex_script") && !byFile.contains("-filter_complex"))
        #expect(byFile.allSatisfy { $0.utf8.count < CutRecipe.longestGraphArgument })
        // ffmpeg reads such a file: two real clips, the graph in a file.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-graphfile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = try MediaToolsTests.makeClip("640x360", seconds: 2, faststart: true, in: dir)
        let sources = [CutRecipe.Source(path: clip, duration: 2, hasAudio: false), CutRecipe.Source(path: clip, duration: 2, hasAudio: false)]
        let recipe = CutRecipe(cut: Self.cut([Self.clip("a", seconds: 2), Self.clip("b", fade: 0.5, seconds: 2)], size: FrameSize(width: 640, height: 360)), sources: sources)
        let (arguments, graphFile) = recipe.invocation(output: dir + "/cut.mp4", longestArgument: 0)
        let file = try #require(graphFile)
        try Data(file.graph.utf8).write(to: URL(fileURLWithPath: file.path))
        try await MediaTools().ffmpeg(arguments)
        let info = try await MediaTools().videoStream(dir + "/cut.mp4")
        #expect(abs(info.duration - recipe.expectedSeconds) < 1.0 / 24 + 0.001, "\(info)")
    }

    @Test func ffmpegThatCannotStartIsSaidPlainly() async throws {
        do {
            try await MediaTools().ffmpeg(["-i", String(repeating: "x", count: 200_000)])
            Issue.record("an argument of 200,000 bytes was accepted")
        } catch let error as MediaTools.ToolError {
            #expect(error.description.hasPrefix("could not start ffmpeg"), "\(error)")
            #expect(error.description.contains("Argument list too long"), "\(error)")
            #expect(!error.description.contains("Underlying error"), "\(error)")
        }
    }

    @Test func theKeyChangesWithAnyClipOrSettingAndOnlyThen() {
        let cut = Self.cut([Self.clip("a"), Self.clip("b", fade: 0.5)])
        let shas = [String(repeating: "a", count: 64), String(repeating: "b", count: 64)]
        let key = CutRecipe.key(of: cut, clipSHA256s: shas)
        #expect(key.count == 64 && key == CutRecipe.key(of: cut, clipSHA256s: shas))
        #expect(key != CutRecipe.key(of: cut, clipSHA256s: [shas[0], String(repeating: "c", count: 64)]))
        #expect(key != CutRecipe.key(of: cut, clipSHA256s: shas.reversed()))
        var other = cut
        other.fps = 25
        #expect(key != CutRecipe.key(of: other, clipSHA256s: shas))
        other = cut
        other.clips[1].fade = 1
        #expect(key != CutRecipe.key(of: other, clipSHA256s: shas))
        other = cut
        other.clips[0].end = 3
        #expect(key != CutRecipe.key(of: other, clipSHA256s: shas))
        other = cut
        other.size = FrameSize(width: 640, height: 360)
        #expect(key != CutRecipe.key(of: other, clipSHA256s: shas))
        // The id is not part of it: renaming a cut re-uses its encode.
        other = cut
        other.id = "renamed"
        #expect(key == CutRecipe.key(of: other, clipSHA256s: shas))
    }

    @Test func anEncodedCutIsCheckedForSizeRateAndLengthWithinAFrame() throws {
        let recipe = CutRecipe(cut: Self.cut([Self.clip("a"), Self.clip("b", fade: 1)]), sources: Self.sources(2))
        let good = MediaTools.VideoStreamInfo(width: 1280, height: 720, fps: 24, duration: 7.0 + 1.0 / 48, hasAudio: true)
        #expect(throws: Never.self) { try CutMaker.verify(good, recipe: recipe) }
        var bad = good
        bad.duration = 7.1
        #expect { try CutMaker.verify(bad, recipe: recipe) } throws: { "\($0)".contains("it lasts 7.1 s, not 7 s") }
        bad = good
        bad.width = 1278
        #expect { try CutMaker.verify(bad, recipe: recipe) } throws: { "\($0)".contains("it is 1278x720, not 1280x720") }
        bad = good
        bad.fps = 25
        #expect { try CutMaker.verify(bad, recipe: recipe) } throws: { "\($0)".contains("it runs at 25 fps, not 24") }
    }
}

@Suite("Sound tracks from the MP4 header")
struct MP4SoundTests {
    @Test(arguments: [true, false])
    func theHeaderSaysWhetherAClipHasSoundAsFFprobeDoes(withSound: Bool) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("veo-sound-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clip = dir + "/clip.mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=8:d=1"]
            + (withSound ? ["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", "-shortest"] : [])
            + ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", clip]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "ffmpeg is needed for this test")
        #expect(MP4Header.hasAudio(clip) == withSound)
        #expect(try await MediaTools().videoStream(clip).hasAudio == withSound)
        #expect(MP4Header.hasAudio(dir) == nil)  // not an MP4
    }
}
