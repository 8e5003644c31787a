import Foundation
public import VeoManifest
import VeoProvider
import VeoSupport

/// `<out>/report.json`, described by `schemas/run-report.schema.json`. Holds no secret.
public struct RunReport: Codable, Sendable {
    public static let schemaVersion = 1

    public struct Tool: Codable, Sendable {
        public var name: String
        public var version: String
    }

    public struct ManifestInfo: Codable, Sendable {
        public var path: String
        public var sha256: String
        public var name: String
    }

    public struct Summary: Codable, Sendable {
        public var total: Int
        public var succeeded: Int
        public var failed: Int
        public var skipped: Int
        public var cached: Int
        public var cost: CostSummary?
        /// API requests this run sent, by kind.
        public var requests: Requests?
    }

    /// API requests by kind: creates (every attempt), polls, and download requests (attempts and
    /// redirects).
    public struct Requests: Codable, Sendable, Equatable {
        public var create: Int
        public var poll: Int
        public var download: Int
    }

    /// Money, estimated from list prices per generated second.
    public struct CostSummary: Codable, Sendable {
        public var currency: String
        public var spentUSD: Double
        public var spentTotalUSD: Double
        public var savedByCacheUSD: Double
        public var budgetUSD: Double?
        public var remainingUSD: Double?

        enum CodingKeys: String, CodingKey {
            case currency
            case spentUSD = "spent_usd"
            case spentTotalUSD = "spent_total_usd"
            case savedByCacheUSD = "saved_by_cache_usd"
            case budgetUSD = "budget_usd"
            case remainingUSD = "remaining_usd"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(currency, forKey: .currency)
            try c.encode(Self.cents(spentUSD), forKey: .spentUSD)
            try c.encode(Self.cents(spentTotalUSD), forKey: .spentTotalUSD)
            try c.encode(Self.cents(savedByCacheUSD), forKey: .savedByCacheUSD)
            try c.encode(budgetUSD.map(Self.cents), forKey: .budgetUSD)
            try c.encode(remainingUSD.map(Self.cents), forKey: .remainingUSD)
        }

        static func cents(_ value: Double) -> Double { (value * 100).rounded() / 100 }
    }

    /// One job's cost.
    public struct JobCost: Codable, Sendable {
        public var estimatedUSD: Double?
        public var charged: Bool

        enum CodingKeys: String, CodingKey {
            case estimatedUSD = "estimated_usd"
            case charged
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(estimatedUSD.map(CostSummary.cents), forKey: .estimatedUSD)
            try c.encode(charged, forKey: .charged)
        }
    }

    public struct Input: Codable, Sendable {
        public var role: String
        /// "file", "url" or "job".
        public var kind: String
        /// The path as written (file), the URL, or the upstream job id.
        public var source: String
        public var frame: String?
        public var sha256: String?

        enum CodingKeys: String, CodingKey { case role, kind, source, frame, sha256 }

        init(_ input: ResolvedInput) {
            role = input.role.rawValue
            sha256 = input.sha256
            kind = input.source.kind.rawValue
            frame = input.source.framePosition?.rawValue
            switch input.source {
            case .file(_, let written): source = written
            case .url(let url): source = url
            case .frame(let job, _): source = job
            }
        }

        // Nulls are written out, so every key is always present.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(role, forKey: .role)
            try c.encode(kind, forKey: .kind)
            try c.encode(source, forKey: .source)
            try c.encode(frame, forKey: .frame)
            try c.encode(sha256, forKey: .sha256)
        }
    }


    public struct Output: Codable, Sendable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public var width: Int
        public var height: Int
        public var duration: Double

        init(_ record: OutputRecord) {
            (path, bytes, sha256) = (record.path, record.bytes, record.sha256)
            (width, height, duration) = (record.width, record.height, record.duration)
        }
    }

    public struct Timings: Codable, Sendable {
        init(_ o: JobOutcome) {
            let submitted = o.submission?.submittedAt
            submittedAt = nil
            if let submitted { submittedAt = RunReport.timestamp(submitted) }
            completedAt = nil
            if let completed = o.completedAt { completedAt = RunReport.timestamp(completed) }
            renderSeconds = nil
            if let end = o.completedAt, let start = submitted {
                renderSeconds = (end.timeIntervalSince(start) * 10).rounded() / 10
            }
            wallSeconds = o.wallSeconds.map { ($0 * 1000).rounded() / 1000 }
            providerCompletedAt = nil
            completionToDiskSeconds = nil
            if let delivery = o.delivery, let provider = delivery.providerCompletedAt {
                providerCompletedAt = RunReport.timestamp(provider)
                completionToDiskSeconds = (max(0, delivery.onDiskAt.timeIntervalSince(provider)) * 1000).rounded() / 1000
            }
        }

        public var submittedAt: String?
        public var completedAt: String?
        public var renderSeconds: Double?
        /// How long the job took in this run, start to end (nil when it never started).
        public var wallSeconds: Double?
        /// The provider's `completed_at` (nil when it sent none, or the job was not rendered in this run).
        public var providerCompletedAt: String?
        /// From the provider's `completed_at` to the verified clip on disk (whole-second `completed_at`).
        public var completionToDiskSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case submittedAt = "submitted_at"
            case completedAt = "completed_at"
            case renderSeconds = "render_seconds"
            case wallSeconds = "wall_seconds"
            case providerCompletedAt = "provider_completed_at"
            case completionToDiskSeconds = "completion_to_disk_seconds"
        }

        // Nulls are written out, so every key is always present.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(submittedAt, forKey: .submittedAt)
            try c.encode(completedAt, forKey: .completedAt)
            try c.encode(renderSeconds, forKey: .renderSeconds)
            try c.encode(wallSeconds, forKey: .wallSeconds)
            try c.encode(providerCompletedAt, forKey: .providerCompletedAt)
            try c.encode(completionToDiskSeconds, forKey: .completionToDiskSeconds)
        }
    }

    public struct ErrorInfo: Codable, Sendable {
        /// One of ``FailureCode``.
        public var code: String
        public var message: String
        /// The provider's own code, when it sent one (e.g. `content_policy_violation`).
        public var providerCode: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case providerCode = "provider_code"
        }
    }

    public struct Job: Codable, Sendable {
        /// The job as it ended: the request as sent (inputs with the hashes of what was sent).
        init(_ o: JobOutcome) {
            // Plain statements, one value each: an earlier form with nested closures crashed the
            // release compiler's copy propagation (Swift 6.3.1).
            let timings = Timings(o)
            let request = Request(o.job.request, inputs: o.inputs)
            let output = o.output.map { Output($0) }
            var error: ErrorInfo?
            if let failure = o.failure {
                error = ErrorInfo(code: failure.code.rawValue, message: failure.message, providerCode: failure.providerCode)
            }
            self.init(
                id: o.job.id, shot: o.job.shot, variant: o.job.variant, take: o.job.take,
                line: o.job.position.line, column: o.job.position.column, status: o.status.rawValue, cached: o.cached,
                cacheKey: o.resolved?.key, videoID: o.videoID, request: request, output: output, attempts: o.attempts,
                timings: timings, polls: o.delivery?.polls, error: error, skippedBecause: o.skip?.reason)
        }

        init(id: String, shot: String, variant: String?, take: Int, line: Int, column: Int, status: String, cached: Bool, cacheKey: String?, videoID: String?,
             request: Request, output: Output?, attempts: Int, timings: Timings, polls: Int?, error: ErrorInfo?, skippedBecause: String?)
        {
            self.polls = polls
            self.id = id
            self.shot = shot
            self.variant = variant
            self.take = take
            self.line = line
            self.column = column
            self.status = status
            self.cached = cached
            self.cacheKey = cacheKey
            self.videoID = videoID
            self.request = request
            self.output = output
            self.attempts = attempts
            self.timings = timings
            self.error = error
            self.skippedBecause = skippedBecause
        }

        public var id: String
        public var shot: String
        public var variant: String?
        public var take: Int
        public var cost: JobCost?
        /// Where the shot (or variant) is written in the manifest.
        public var line: Int
        public var column: Int
        public var status: String
        public var cached: Bool
        public var cacheKey: String?
        public var videoID: String?
        public var request: Request
        public var output: Output?
        public var attempts: Int
        public var timings: Timings
        /// Status requests this run sent for the job (nil when it was not rendered in this run).
        public var polls: Int?
        public var error: ErrorInfo?
        public var skippedBecause: String?

        enum CodingKeys: String, CodingKey {
            case id, shot, variant, take, line, column, cost, status, cached, request, output, attempts, timings, polls, error
            case cacheKey = "cache_key"
            case videoID = "video_id"
            case skippedBecause = "skipped_because"
        }

        // Nulls are written out, so every key is always present.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(shot, forKey: .shot)
            try c.encode(variant, forKey: .variant)
            try c.encode(take, forKey: .take)
            try c.encode(cost, forKey: .cost)
            try c.encode(line, forKey: .line)
            try c.encode(column, forKey: .column)
            try c.encode(status, forKey: .status)
            try c.encode(cached, forKey: .cached)
            try c.encode(cacheKey, forKey: .cacheKey)
            try c.encode(videoID, forKey: .videoID)
            try c.encode(request, forKey: .request)
            try c.encode(output, forKey: .output)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(timings, forKey: .timings)
            try c.encode(polls, forKey: .polls)
            try c.encode(error, forKey: .error)
            try c.encode(skippedBecause, forKey: .skippedBecause)
        }
    }

    public var schemaVersion: Int
    public var tool: Tool
    public var manifest: ManifestInfo
    public var startedAt: String
    public var finishedAt: String
    public var status: String
    public var baseURL: String?
    /// The run talked to the bundled emulator, not the provider.
    public var emulated: Bool
    public var emulator: EmulatorInfo?
    public var summary: Summary
    public var jobs: [Job]
    /// The manifest's cuts (nil in reports written before cuts existed).
    public var cuts: [CutEntry]?

    enum CodingKeys: String, CodingKey {
        case tool, manifest, status, summary, jobs, cuts
        case schemaVersion = "schema_version"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case baseURL = "base_url"
        case emulated, emulator
    }

    public struct EmulatorInfo: Codable, Sendable {
        public var renderSeconds: Double
        /// Relative to the output folder.
        public var stateDirectory: String

        public init(renderSeconds: Double, stateDirectory: String) {
            self.renderSeconds = renderSeconds
            self.stateDirectory = stateDirectory
        }

        enum CodingKeys: String, CodingKey {
            case renderSeconds = "render_seconds"
            case stateDirectory = "state_directory"
        }
    }

    // Nulls are written out, so every key is always present.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(tool, forKey: .tool)
        try c.encode(manifest, forKey: .manifest)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(status, forKey: .status)
        try c.encode(baseURL, forKey: .baseURL)
        try c.encode(emulated, forKey: .emulated)
        try c.encode(emulator, forKey: .emulator)
        try c.encode(summary, forKey: .summary)
        try c.encode(jobs, forKey: .jobs)
        try c.encode(cuts ?? [], forKey: .cuts)
    }

    public init(
        result: RunResult, plan: Plan, manifestSHA256: String, baseURL: String?, emulator: EmulatorInfo? = nil,
        prices: PriceTable = .defaults, budget: BudgetLimits = BudgetLimits()
    ) {

        schemaVersion = Self.schemaVersion
        tool = Tool(name: "veo-pipeline", version: VeoVersion.string)
        manifest = ManifestInfo(path: plan.manifestFile, sha256: manifestSHA256, name: plan.name)
        startedAt = Self.timestamp(result.startedAt)
        finishedAt = Self.timestamp(result.finishedAt)
        status = result.status.rawValue
        self.baseURL = baseURL.map(Self.redactedURL)
        self.emulated = emulator != nil
        self.emulator = emulator
        summary = Summary(
            total: result.outcomes.count,
            succeeded: result.outcomes.count { $0.status == .succeeded },
            failed: result.outcomes.count { $0.status == .failed },
            skipped: result.outcomes.count { $0.status == .skipped },
            cached: result.outcomes.count { $0.cached },
            cost: Self.cost(of: result, prices: prices, budget: budget),
            requests: Requests(
                create: result.outcomes.reduce(0) { $0 + ($1.submission.map { $0.resumed ? 0 : $0.attempts } ?? 0) },
                poll: result.outcomes.reduce(0) { $0 + ($1.delivery?.polls ?? 0) },
                download: result.outcomes.reduce(0) { $0 + ($1.delivery?.downloadRequests ?? 0) }))
        cuts = result.cuts.map(CutEntry.init)
        jobs = result.outcomes.map { outcome in
            var job = Job(outcome)
            job.cost = JobCost(estimatedUSD: prices.rate(model: outcome.job.request.model, size: outcome.job.request.size).map {
                $0 * Double(outcome.job.request.seconds.rawValue)
            }, charged: outcome.charged)
            return job
        }
    }

    static func cost(of result: RunResult, prices: PriceTable, budget: BudgetLimits) -> CostSummary {
        let saved = result.outcomes.filter(\.cached).reduce(0.0) { $0 + SpendEstimate.cost(of: $1.job, prices: prices) }
        let limits = [budget.maxCostThisRun, budget.maxCostTotal].compactMap { $0 }
        return CostSummary(
            currency: prices.currency, spentUSD: result.spentThisRun.usd, spentTotalUSD: result.spentTotal.usd, savedByCacheUSD: saved,
            budgetUSD: limits.min(), remainingUSD: budget.remainingUSD(spentTotal: result.spentTotal, spentThisRun: result.spentThisRun))
    }

    /// `2026-11-30T07:48:27Z`. A value-type format style: the class formatter passed into the job
    /// initialisers crashed the release compiler's copy propagation (Swift 6.3.1).
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A URL without user info or query (where credentials could hide).
    static func redactedURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparseable>" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "<unparseable>"
    }

    /// Writes the report atomically (temp file beside it, then rename).
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try AtomicFile.write(data, to: path)
    }
}
