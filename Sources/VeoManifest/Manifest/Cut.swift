/// `cuts:`: how shots are joined into sequences (a trailer, an ad, a storyboard reel). Each cut is
/// one output file, `<out>/cuts/<id>.mp4`, made by ffmpeg from the clips it names.
///
///     cuts:
///       - id: trailer
///         size: 1280x720           # default: the size of its first clip
///         fps: 24                  # default 24
///         clips:
///           - savanna              # a shot id: that shot's only job
///           - {shot: hero, variant: final, take: 2}
///           - shot: bridge
///             transition: {type: fade, seconds: 0.5}
///           - shot: epilogue
///             trim: {start: 0.5, end: 7.5}
public struct Cut: Sendable {
    public var id: Located<String>
    public var size: Located<FrameSize>?
    public var fps: Located<Int>?
    public var clips: [CutClip]
    public var position: SourcePosition

    /// The frame rate of a cut that names none.
    public static let defaultFPS = 24
    public static let fpsRange = 1...60
}

/// One clip of a cut: a job's clip, with its in and out points and how it joins the clip before it.
public struct CutClip: Sendable {
    public var shot: Located<String>
    public var variant: Located<String>?
    public var take: Located<Int>?
    public var transition: Located<CutTransition>?
    public var trim: CutTrim?
    public var position: SourcePosition
}

/// How a clip joins the clip before it.
public enum CutTransition: Sendable, Hashable {
    /// A hard cut (the default).
    case cut
    /// A cross-fade of picture and sound over `seconds`, taken from both clips.
    case fade(seconds: Double)
}

/// In and out points, in seconds of the clip (either may be left out).
public struct CutTrim: Sendable {
    public var start: Located<Double>?
    public var end: Located<Double>?
    public var position: SourcePosition
}

/// A frame size `WxH` in pixels (a cut's size: any even size, not only the provider's).
public struct FrameSize: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The largest side a cut may have (8K UHD).
    public static let maxSide = 7680

    /// `1280x720` (also `1280X720`); nil for anything else. Evenness is checked by the caller, which
    /// says why.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let w = Int(parts[0]), let h = Int(parts[1])
        else { return nil }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
}
