public import Foundation
public import VeoClient
public import VeoManifest
public import VeoProvider
public import VeoSupport

/// How a run behaves.
public struct RunOptions: Sendable {
    public var outDirectory: String
    /// Jobs in flight at the provider at once.
    public var concurrency = 4
    public var pollInterval: Duration = .seconds(8)
    /// Overall deadline of one job, from submission to completion.
    public var jobTimeout: Duration = .seconds(20 * 60)
    /// Job ids or shot ids; empty means all. Upstream jobs they take frames from are rendered too
    /// when not cached.
    public var only: [String] = []
    /// Re-render the selected jobs even when cached.
    public var force = false
    /// Stop starting jobs after the first failure.
    public var failFast = false
    /// At most this many create requests per minute.
    public var requestsPerMinute: Int?
    /// Send again a job whose earlier submission is ambiguous (may pay twice).
    public var resubmitAmbiguous = false
    /// The origin recorded for runs against the bundled emulator (`--emulate`).
    public static let emulatorOrigin = "emulator"

    /// Which API the run talks to (`emulator`, or the server's scheme://host:port): the journal
    /// only resumes and caches what was recorded against the same one.
    public var origin: String?
    /// Fetches image URLs for jobs that mix them with uploaded files (set by the caller from its client).
    public var imageFetcher: ImageFetcher?
    /// The largest clip accepted (`--max-download-mb`); nil: a limit from each job's size and length.
    public var maxDownloadBytes: Int64?
    /// Fired by a second interrupt: answers to create requests in flight are no longer awaited.
    public var hardStop = HardStop()
    /// What the run may spend (`--max-cost`, the manifest's `budget`).
    public var budget = BudgetLimits()
    /// Prices the estimates use (list prices, the manifest's `prices:` or `--prices`).
    public var prices: PriceTable = .defaults
    /// Jobs skipped from the start as over budget, with the reason: the choice of the forecast the
    /// run starts from (`RunForecast`, `--render-what-fits`); their dependents are skipped too.
    public var overBudget: [String: String] = [:]
    /// The shared cache (`--cache`): results shared, claims on S3.
    public var sharedCache: SharedCacheOptions?

    public init(outDirectory: String) {
        self.outDirectory = outDirectory
    }
}

/// What the runner tells the user interface as it goes.
public enum RunEvent: Sendable {
    case started(job: String)
    case cached(job: String, path: String)
    case submitted(job: String, videoID: String, resumed: Bool)
    case progress(job: String, status: String, percent: Double?)
    case downloading(job: String)
    case succeeded(job: String, path: String, seconds: Double?)
    /// A verified clip is in place (rendered or cached; after `.succeeded` or `.cached`): `path`
    /// inside the output folder, its content's sha256 and its length in seconds. Views of the
    /// run may start on it while other jobs render.
    case clipReady(job: String, path: String, sha256: String, seconds: Int)
    case failed(job: String, message: String)
    case skipped(job: String, reason: String)
    /// Something the user should know before the jobs start.
    case warning(String)
    /// A cut's clips are ready: it is being made (from the store or by ffmpeg).
    case cutting(cut: String)
    case cutDone(cut: String, path: String, cached: Bool, seconds: Double?)
    case cutFailed(cut: String, message: String)
    case cutSkipped(cut: String, reason: String)
}

/// The API calls a run makes; `VideoAPIClient` is the real one.
public protocol VideoService: Sendable {
    /// `onAttempt` is told before each attempt goes out and after each answer proving the server
    /// did not take it, so the journal records which attempts were answered.
    func create(_ request: GenerationRequest, uploads: [ImageUpload], onAttempt: @Sendable (SubmitAttempt) async throws -> Void) async throws -> VideoObject
    func waitForCompletion(
        id: String, pollInterval: Duration, timeout: Duration, onUpdate: @Sendable (VideoObject) async -> Void
    ) async throws -> VideoObject
    /// A body larger than `maxBytes` (a clip cannot be that large) is refused before it is written.
    func download(_ video: VideoObject, to destinationPath: String, maxBytes: Int64?) async throws -> DownloadResult
}

extension VideoAPIClient: VideoService {}

/// How the whole run ended.
public struct RunResult: Sendable {
    public enum Status: String, Sendable, Codable {
        case succeeded
        case failed
        case interrupted
        /// Refused before anything was started (over budget): the report says why.
        case notStarted = "not_started"
    }

    public var status: Status
    public var outcomes: [JobOutcome]
    /// The plan's cuts, in manifest order.
    public var cuts: [CutOutcome] = []
    public var startedAt: Date
    public var finishedAt: Date
    /// What this run and the folder in total have committed to spend (estimates).
    public var spentThisRun = SpendingLedger.Totals()
    public var spentTotal = SpendingLedger.Totals()

    public init(
        status: Status, outcomes: [JobOutcome], cuts: [CutOutcome] = [], startedAt: Date, finishedAt: Date,
        spentThisRun: SpendingLedger.Totals = .init(), spentTotal: SpendingLedger.Totals = .init()
    ) {
        (self.status, self.outcomes, self.cuts, self.startedAt, self.finishedAt) = (status, outcomes, cuts, startedAt, finishedAt)
        (self.spentThisRun, self.spentTotal) = (spentThisRun, spentTotal)
    }
}

/// The person asked before spending said no: nothing was submitted.
public struct Declined: UserFacingError, Sendable {
    public var description: String { "not started: the estimate was not accepted; nothing was submitted" }

    public init() {}
}

/// The identity of an API server for the journal: scheme://host:port, lowercased.
public enum APIOrigin {
    public static func of(_ baseURL: String) -> String {
        ServerOrigin(baseURL)?.description ?? baseURL
    }
}
