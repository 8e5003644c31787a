/// A cut as the run makes it: the jobs whose clips it joins, each with its in and out points and
/// how it joins the one before, at one frame size and rate. A node of the DAG after its jobs.
public struct PlannedCut: Sendable, Identifiable {
    public var id: String
    public var size: FrameSize
    public var fps: Int
    public var clips: [PlannedCutClip]
    /// Where the cut is written in the manifest.
    public var position: SourcePosition

    public init(id: String, size: FrameSize, fps: Int, clips: [PlannedCutClip], position: SourcePosition) {
        self.id = id
        self.size = size
        self.fps = fps
        self.clips = clips
        self.position = position
    }

    /// The jobs whose clips the cut uses, in order, without repeats.
    public var jobs: [String] {
        var seen = Set<String>()
        return clips.map(\.job).filter { seen.insert($0).inserted }
    }

    /// Its length from the clips' requested seconds: the trimmed lengths less the fade overlaps.
    public var plannedSeconds: Double {
        clips.reduce(0) { $0 + $1.length(clipSeconds: Double($1.seconds)) - $1.fade }
    }
}

/// One clip of a cut.
public struct PlannedCutClip: Sendable, Hashable {
    /// The job whose clip this is.
    public var job: String
    /// The in point, in seconds of the clip.
    public var start: Double
    /// The out point; nil: the clip's end.
    public var end: Double?
    /// Seconds of cross-fade from the clip before into this one; 0 for a hard cut.
    public var fade: Double
    /// The seconds the job asks the provider for.
    public var seconds: Int

    public init(job: String, start: Double, end: Double?, fade: Double, seconds: Int) {
        self.job = job
        self.start = start
        self.end = end
        self.fade = fade
        self.seconds = seconds
    }

    /// The length used from a clip that lasts `clipSeconds`.
    public func length(clipSeconds: Double) -> Double {
        min(end ?? clipSeconds, clipSeconds) - start
    }
}
