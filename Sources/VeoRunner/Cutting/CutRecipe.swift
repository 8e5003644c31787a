import Crypto
import Foundation
public import VeoManifest
import VeoSupport

/// How one cut is encoded: the ffmpeg filter graph that normalises every clip (size, frame rate,
/// pixel format, timestamps, 48 kHz stereo sound or silence) and joins them, hard cuts with the
/// `concat` filter and fades with `xfade` and `acrossfade`. Pure: it only computes.
///
/// Lengths are counted in frames of the cut's rate, so the encoded length is known exactly: each
/// clip gives `round(out × fps) − round(in × fps)` frames, each fade takes `round(seconds × fps)`
/// frames from the clips it joins.
public struct CutRecipe: Sendable {
    /// One clip as found on disk.
    public struct Source: Sendable, Hashable {
        public var path: String
        /// Its video's length in seconds (from the verified clip).
        public var duration: Double
        public var hasAudio: Bool

        public init(path: String, duration: Double, hasAudio: Bool) {
            self.path = path
            self.duration = duration
            self.hasAudio = hasAudio
        }
    }

    /// One clip's share of the cut, in frames of the cut's rate.
    public struct Segment: Sendable, Hashable {
        public var startFrame: Int
        public var frames: Int
        /// Frames of cross-fade from the segment before (0: a hard cut).
        public var fadeFrames: Int
    }

    /// What changes the encoded file besides the clips and the cut's settings: part of the key,
    /// so a change here re-cuts everything once.
    public static let encoderSettings = "libx264 preset=veryfast crf=18 yuv420p; aac 192k 48000 stereo; +faststart; v1"

    public let cut: PlannedCut
    public let sources: [Source]
    public let segments: [Segment]

    public init(cut: PlannedCut, sources: [Source]) {
        precondition(cut.clips.count == sources.count, "one source per clip of the cut")
        self.cut = cut
        self.sources = sources
        let fps = Double(cut.fps)
        var segments: [Segment] = []
        for (clip, source) in zip(cut.clips, sources) {
            let length = Self.sourceSeconds(source.duration)
            let start = Self.frames(clip.start, fps: fps)
            let end = Self.frames(min(clip.end ?? length, length), fps: fps)
            let frames = max(1, end - start)
            var fade = Self.frames(clip.fade, fps: fps)
            if let before = segments.last { fade = min(fade, before.frames - 1, frames - 1) } else { fade = 0 }
            segments.append(Segment(startFrame: start, frames: frames, fadeFrames: max(0, fade)))
        }
        self.segments = segments
    }

    /// The longest a source clip is taken to be: no provider clip comes near it. A length read
    /// from a journal or record that says more (`1e6`, `1e300`) must not ask ffmpeg for days of
    /// silence, nor trap converting it to frames.
    public static let longestSource = 3600.0

    /// A source's length as the recipe uses it: within `0...longestSource` (0 when not a number).
    static func sourceSeconds(_ duration: Double) -> Double {
        duration.isNaN ? 0 : min(max(duration, 0), longestSource)
    }

    /// `seconds` in frames at `fps`, rounded; never traps (a value out of range is clamped).
    static func frames(_ seconds: Double, fps: Double) -> Int {
        Int(rounding: seconds * fps, within: 0...Int(Int32.max)) ?? 0
    }

    /// Frames in the encoded cut.
    public var totalFrames: Int { segments.reduce(0) { $0 + $1.frames - $1.fadeFrames } }

    /// The encoded cut's length in seconds.
    public var expectedSeconds: Double { Double(totalFrames) / Double(cut.fps) }

    /// The cut's content key: its settings, the encoder's, and the sha256 of each clip it uses.
    public static func key(of cut: PlannedCut, clipSHA256s: [String]) -> String {
        var text = "veo-pipeline cut\n\(encoderSettings)\nsize \(cut.size) fps \(cut.fps)\n"
        for (clip, sha) in zip(cut.clips, clipSHA256s) {
            text += "clip \(sha) in \(number(clip.start)) out \(clip.end.map(number) ?? "end") fade \(number(clip.fade))\n"
        }
        return Hex.encode(SHA256.hash(data: Data(text.utf8)))
    }

    /// The longest filter graph passed as one argument (Linux refuses a single argument over
    /// 128 KiB, about 300 clips of this recipe); a longer one is read by ffmpeg from a file.
    public static let longestGraphArgument = 64 * 1024

    /// How ffmpeg is run for the cut at `output`: its arguments (every clip an input, one filter
    /// graph, the cut as MP4), and, when the graph is longer than ``longestGraphArgument``, the
    /// file the caller writes it to first (beside `output`; ffmpeg reads it with
    /// `-filter_complex_script`). `longestArgument` is for tests.
    public func invocation(output: String, longestArgument: Int = longestGraphArgument) -> (arguments: [String], graphFile: (path: String, graph: String)?) {
        let (graph, video, audio) = filterGraph()
        let graphFile = graph.utf8.count > longestArgument ? (path: output + ".filtergraph", graph: graph) : nil
        var arguments = ["-nostdin", "-v", "error", "-y"]
        for source in sources { arguments += ["-i", source.path] }
        arguments += graphFile.map { ["-filter_complex_script", $0.path] } ?? ["-filter_complex", graph]
        arguments += ["-map", "[\(video)]", "-map", "[\(audio)]"]
        arguments += [
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
            "-movflags", "+faststart", "-f", "mp4", output,
        ]
        return (arguments, graphFile)
    }

    /// The filter graph and its video and audio output labels.
    func filterGraph() -> (graph: String, video: String, audio: String) {
        var chains: [String] = []
        for index in segments.indices { chains += normalise(index) }
        // Hard cuts: each run of clips between fades is one concat; fades join the runs.
        var groups: [[Int]] = []
        for index in segments.indices {
            if groups.isEmpty || segments[index].fadeFrames > 0 { groups.append([index]) } else { groups[groups.count - 1].append(index) }
        }
        var joined: [(video: String, audio: String, frames: Int)] = []
        for (g, members) in groups.enumerated() {
            let frames = members.reduce(0) { $0 + segments[$1].frames }
            if members.count == 1 {
                joined.append(("v\(members[0])", "a\(members[0])", frames))
                continue
            }
            let inputs = members.map { "[v\($0)][a\($0)]" }.joined()
            chains.append("\(inputs)concat=n=\(members.count):v=1:a=1[gv\(g)][ga\(g)]")
            joined.append(("gv\(g)", "ga\(g)", frames))
        }
        var (video, audio, frames) = joined[0]
        for g in joined.indices.dropFirst() {
            let fade = segments[groups[g][0]].fadeFrames
            let duration = seconds(frames: fade)
            chains.append("[\(video)][\(joined[g].video)]xfade=transition=fade:duration=\(duration):offset=\(seconds(frames: frames - fade))[xv\(g)]")
            chains.append("[\(audio)][\(joined[g].audio)]acrossfade=d=\(duration)[xa\(g)]")
            (video, audio, frames) = ("xv\(g)", "xa\(g)", frames + joined[g].frames - fade)
        }
        return (chains.joined(separator: ";"), video, audio)
    }

    /// One clip scaled to fit and padded (square pixels), at the cut's rate (the last frame held
    /// when the clip is short), cut to its frames; its sound at 48 kHz stereo, or silence.
    private func normalise(_ index: Int) -> [String] {
        let (w, h, fps) = (cut.size.width, cut.size.height, cut.fps)
        let segment = segments[index]
        let video = "[\(index):v]setpts=PTS-STARTPTS,"
            + "scale=\(w):\(h):force_original_aspect_ratio=decrease:force_divisible_by=2,pad=\(w):\(h):(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,"
            + "fps=\(fps),tpad=stop_mode=clone:stop_duration=2,trim=start_frame=\(segment.startFrame):end_frame=\(segment.startFrame + segment.frames),"
            + "setpts=PTS-STARTPTS,format=yuv420p,settb=AVTB[v\(index)]"
        let length = seconds(frames: segment.frames)
        let format = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
        let audio = sources[index].hasAudio
            ? "[\(index):a]asetpts=PTS-STARTPTS,aresample=48000,\(format),apad,atrim=start=\(seconds(frames: segment.startFrame)):duration=\(length),asetpts=PTS-STARTPTS[a\(index)]"
            : "anullsrc=channel_layout=stereo:sample_rate=48000,\(format),atrim=duration=\(length)[a\(index)]"
        return [video, audio]
    }

    private func seconds(frames: Int) -> String {
        Self.number(Double(frames) / Double(cut.fps))
    }

    /// A number as ffmpeg reads it: `0.5`, `7`, `0.041667` (microseconds are ffmpeg's precision).
    static func number(_ value: Double) -> String {
        DecimalText.string(value, maxDecimals: 6)
    }
}
