public import Foundation

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
    /// Which API the run talks to (`emulator`, or the server's scheme://host:port): the journal
    /// only resumes and caches what was recorded against the same one.
    public var origin: String?

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
    case failed(job: String, message: String)
    case skipped(job: String, reason: String)
}

/// The API calls a run makes; `VideoAPIClient` is the real one.
public protocol VideoService: Sendable {
    func create(_ request: VideoCreateRequest) async throws -> VideoObject
    func waitForCompletion(
        id: String, pollInterval: Duration, timeout: Duration, onUpdate: @Sendable (VideoObject) async -> Void
    ) async throws -> VideoObject
    func download(_ video: VideoObject, to destinationPath: String) async throws -> DownloadResult
}

extension VideoAPIClient: VideoService {}

/// An input image as the run resolved it.
public struct ResolvedInput: Sendable, Hashable {
    public var role: PlannedInput.Role
    public var source: InputSource
    /// sha256 of the bytes sent (the file, or the extracted frame); of the URL text for a URL.
    public var sha256: String?
}

/// How one job ended.
public struct JobOutcome: Sendable {
    public enum Status: String, Sendable, Codable {
        case succeeded
        case failed
        case skipped
    }

    public var job: PlannedJob
    public var status: Status
    public var cached = false
    public var cacheKey: String?
    public var videoID: String?
    public var inputs: [ResolvedInput] = []
    public var output: OutputRecord?
    public var attempts = 0
    public var submittedAt: Date?
    public var completedAt: Date?
    public var errorCode: String?
    public var errorMessage: String?
    public var skippedBecause: String?
    /// The failure means every other job would fail too (the key was refused): stop starting jobs.
    var stopsRun = false
    /// Why a skipped job was skipped, for the run's status (the text is `skippedBecause`).
    var skip: SkipCause?

    enum SkipCause {
        /// Not selected by `--only`: not part of this run.
        case notSelected
        /// Stopped by SIGINT/SIGTERM; the next run resumes or starts it.
        case interrupted
        /// An upstream job failed or was skipped, or the run stopped starting jobs.
        case notRun
    }

    public init(job: PlannedJob, status: Status) {
        self.job = job
        self.status = status
    }
}

/// How the whole run ended.
public struct RunResult: Sendable {
    public enum Status: String, Sendable, Codable {
        case succeeded
        case failed
        case interrupted
    }

    public var status: Status
    public var outcomes: [JobOutcome]
    public var startedAt: Date
    public var finishedAt: Date
}

/// The identity of an API server for the journal: scheme://host:port, lowercased.
public enum APIOrigin {
    public static func of(_ baseURL: String) -> String {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased()
        else { return baseURL }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }
}
