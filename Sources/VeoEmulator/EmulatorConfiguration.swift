/// How an ``Emulator`` listens, how fast it "renders", and which faults it injects.
public struct EmulatorConfiguration: Sendable {
    /// Interface to bind; `127.0.0.1` keeps the emulator private to this machine.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 binds any free port (``Emulator/start()`` returns the actual one).
    public var port: Int = 8089
    /// A job's time from `queued` to its end (the centre of the range with ``renderJitter``): the
    /// first quarter is `queued`, the rest `in_progress` with `progress` rising linearly towards 100.
    public var renderSeconds: Double = 3
    /// Each job's render time is drawn uniformly from ``renderSeconds`` ± this; a draw below 0.2 s
    /// is raised to 0.2 s. 0 makes every job take exactly ``renderSeconds``.
    public var renderJitter: Double = 0
    /// Seeds the generator render times are drawn from, so that they repeat from run to run;
    /// nil draws them from the system's generator.
    public var renderSeed: UInt64? = nil
    /// The accepted bearer token; `nil` accepts any non-empty token.
    public var apiKey: String? = nil
    /// Faults to inject (also settable at runtime with ``Emulator/setFaults(_:)`` or `PUT /_emulator/faults`).
    public var faults: FaultPlan = FaultPlan()
    /// Where the jobs (`jobs/<id>.json`) and rendered clips (`<id>.mp4`) are kept. An emulator
    /// started with the directory of an earlier one knows all its jobs: their ids poll and
    /// download as before, and jobs it left rendering are finished. `nil` makes a fresh temporary
    /// directory, removed on stop.
    public var storageDirectory: String? = nil
    /// The ffmpeg executable: a path, or a name resolved through `PATH`.
    public var ffmpegPath: String = "ffmpeg"
    /// If set, every completed job serves this MP4 instead of rendering one (no ffmpeg needed).
    public var serveFile: String? = nil
    /// How many clips ffmpeg renders at once.
    public var maxConcurrentRenders: Int = 2

    public init() {}
}

/// Faults the emulator injects. Every count means "the first N matching requests" (since the plan
/// was set or the last reset); 0 turns the fault off.
public struct FaultPlan: Sendable, Codable, Equatable {
    /// `POST /v1/videos` answered 429 with `Retry-After` (no job created).
    public var rateLimitCreates: Int = 0
    /// The `Retry-After` value, in seconds, of 429 and 503 answers.
    public var retryAfterSeconds: Int = 1
    /// `POST /v1/videos` answered 503 with `Retry-After` (the server provably did not take it).
    public var unavailableCreates: Int = 0
    /// `GET /v1/videos/{id}` answered 500, 502, 503, 500, ... in turn.
    public var pollServerErrors: Int = 0
    /// A job whose prompt contains one of these ends `failed` with ``failCode``.
    public var failPromptsContaining: [String] = []
    /// The `error.code` of jobs failed by ``failPromptsContaining``.
    public var failCode: String = ErrorCode.generationFailed.rawValue
    /// File downloads that send the full `Content-Length` but cut the body and close the connection.
    public var truncateDownloads: Int = 0
    /// File downloads that serve a body that is not an MP4 (no `ftyp` box), still as `video/mp4`.
    public var corruptDownloads: Int = 0
    /// `GET /v1/videos/{id}/content` requests that enter a redirect loop (redirects to itself forever).
    public var redirectLoopDownloads: Int = 0
    /// Every `/v1` and file answer is delayed by this much.
    public var responseDelayMilliseconds: Int = 0
    /// `POST /v1/videos` whose job IS created, but whose connection is closed with no answer.
    public var loseCreateResponses: Int = 0
    /// Creates beyond this many unfinished jobs get 429 with code `concurrency_limit_exceeded`.
    public var maxConcurrentJobs: Int? = nil
    /// Shown instead of `in_progress` (e.g. `processing`), as some gateways do.
    public var nonStandardStatus: String? = nil
    /// Completed video objects carry no `video_url`, as gateways that serve the clip only through
    /// `/content` do: clients must then download from `/content` (and follow its redirect).
    public var withholdVideoURL: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case rateLimitCreates, retryAfterSeconds, unavailableCreates, pollServerErrors
        case failPromptsContaining, failCode, truncateDownloads, corruptDownloads
        case redirectLoopDownloads, responseDelayMilliseconds, loseCreateResponses
        case maxConcurrentJobs, nonStandardStatus, withholdVideoURL
    }

    /// Decodes leniently: every key is optional and takes its default when absent, so
    /// `{"rateLimitCreates": 2}` is a complete plan.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FaultPlan()
        rateLimitCreates = try c.decodeIfPresent(Int.self, forKey: .rateLimitCreates) ?? d.rateLimitCreates
        retryAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? d.retryAfterSeconds
        unavailableCreates = try c.decodeIfPresent(Int.self, forKey: .unavailableCreates) ?? d.unavailableCreates
        pollServerErrors = try c.decodeIfPresent(Int.self, forKey: .pollServerErrors) ?? d.pollServerErrors
        failPromptsContaining =
            try c.decodeIfPresent([String].self, forKey: .failPromptsContaining) ?? d.failPromptsContaining
        failCode = try c.decodeIfPresent(String.self, forKey: .failCode) ?? d.failCode
        truncateDownloads = try c.decodeIfPresent(Int.self, forKey: .truncateDownloads) ?? d.truncateDownloads
        corruptDownloads = try c.decodeIfPresent(Int.self, forKey: .corruptDownloads) ?? d.corruptDownloads
        redirectLoopDownloads =
            try c.decodeIfPresent(Int.self, forKey: .redirectLoopDownloads) ?? d.redirectLoopDownloads
        responseDelayMilliseconds =
            try c.decodeIfPresent(Int.self, forKey: .responseDelayMilliseconds) ?? d.responseDelayMilliseconds
        loseCreateResponses = try c.decodeIfPresent(Int.self, forKey: .loseCreateResponses) ?? d.loseCreateResponses
        maxConcurrentJobs = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentJobs)
        nonStandardStatus = try c.decodeIfPresent(String.self, forKey: .nonStandardStatus)
        withholdVideoURL = try c.decodeIfPresent(Bool.self, forKey: .withholdVideoURL) ?? d.withholdVideoURL
    }
}
