import Foundation
public import VeoManifest
import VeoProvider
public import VeoReport

/// The report of a run, made from the runner's outcomes (`VeoReport` holds the report's types and
/// knows nothing of the runner).
extension RunReport {
    public init(
        result: RunResult, plan: Plan, manifestSHA256: String, baseURL: String?, emulator: EmulatorInfo? = nil,
        prices: PriceTable = .defaults, budget: BudgetLimits = BudgetLimits()
    ) {
        let summary = Summary(
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
        let jobs = result.outcomes.map { outcome in
            var job = Job(outcome)
            job.cost = JobCost(estimatedUSD: prices.rate(model: outcome.job.request.model, size: outcome.job.request.size).map {
                $0 * Double(outcome.job.request.seconds.rawValue)
            }, charged: outcome.charged)
            return job
        }
        self.init(
            tool: Tool(name: "veo-pipeline", version: VeoVersion.string),
            manifest: ManifestInfo(path: plan.manifestFile, sha256: manifestSHA256, name: plan.name),
            startedAt: Self.timestamp(result.startedAt), finishedAt: Self.timestamp(result.finishedAt), status: result.status.rawValue,
            baseURL: baseURL, emulator: emulator, summary: summary, jobs: jobs, cuts: result.cuts.map(CutEntry.init))
    }

    static func cost(of result: RunResult, prices: PriceTable, budget: BudgetLimits) -> CostSummary {
        let saved = result.outcomes.filter(\.cached).reduce(0.0) { $0 + SpendEstimate.cost(of: $1.job, prices: prices) }
        let limits = [budget.maxCostThisRun, budget.maxCostTotal].compactMap { $0 }
        return CostSummary(
            currency: prices.currency, spentUSD: result.spentThisRun.usd, spentTotalUSD: result.spentTotal.usd, savedByCacheUSD: saved,
            budgetUSD: limits.min(), remainingUSD: budget.remainingUSD(spentTotal: result.spentTotal, spentThisRun: result.spentThisRun))
    }
}

extension RunReport.Job {
    /// The job as it ended: the request as sent (inputs with the hashes of what was sent).
    init(_ o: JobOutcome) {
        // Plain statements, one value each: an earlier form with nested closures crashed the
        // release compiler's copy propagation (Swift 6.3.1).
        let timings = RunReport.Timings(o)
        let request = RunReport.Request(o.job.request, inputs: o.inputs.map(RunReport.Input.init))
        let output = o.output.map { RunReport.Output($0) }
        var error: RunReport.ErrorInfo?
        if let failure = o.failure {
            error = RunReport.ErrorInfo(code: failure.code.rawValue, message: failure.message, providerCode: failure.providerCode)
        }
        self.init(
            id: o.job.id, shot: o.job.shot, variant: o.job.variant, take: o.job.take,
            line: o.job.position.line, column: o.job.position.column, status: o.status.rawValue, cached: o.cached,
            cacheKey: o.resolved?.key, videoID: o.videoID, request: request, output: output, attempts: o.attempts,
            timings: timings, polls: o.delivery?.polls, error: error, skippedBecause: o.skip?.reason)
    }
}

extension RunReport.Input {
    init(_ input: ResolvedInput) {
        let (kind, source, frame): (String, String, String?) =
            switch input.source {
            case .file(_, let written): ("file", written, nil)
            case .url(let url): ("url", url, nil)
            case .frame(let job, let position): ("job", job, position.rawValue)
            }
        self.init(role: input.role.rawValue, kind: kind, source: source, frame: frame, sha256: input.sha256)
    }
}

extension RunReport.Output {
    init(_ record: OutputRecord) {
        self.init(path: record.path, bytes: record.bytes, sha256: record.sha256, width: record.width, height: record.height, duration: record.duration)
    }
}

extension RunReport.Timings {
    init(_ o: JobOutcome) {
        let submitted = o.submission?.submittedAt
        var renderSeconds: Double?
        if let end = o.completedAt, let start = submitted {
            renderSeconds = (end.timeIntervalSince(start) * 10).rounded() / 10
        }
        var (providerCompletedAt, completionToDiskSeconds): (String?, Double?) = (nil, nil)
        if let delivery = o.delivery, let provider = delivery.providerCompletedAt {
            providerCompletedAt = RunReport.timestamp(provider)
            completionToDiskSeconds = (max(0, delivery.onDiskAt.timeIntervalSince(provider)) * 1000).rounded() / 1000
        }
        self.init(
            submittedAt: submitted.map(RunReport.timestamp), completedAt: o.completedAt.map(RunReport.timestamp), renderSeconds: renderSeconds,
            wallSeconds: o.wallSeconds.map { ($0 * 1000).rounded() / 1000 }, providerCompletedAt: providerCompletedAt,
            completionToDiskSeconds: completionToDiskSeconds)
    }
}

extension RunReport.CutEntry {
    init(_ o: CutOutcome) {
        let clips = zip(o.cut.clips, o.clips).map { planned, used in
            Clip(job: planned.job, sha256: used.sha256, start: planned.start, end: planned.end, fadeSeconds: planned.fade)
        }
        self.init(
            id: o.cut.id, line: o.cut.position.line, column: o.cut.position.column, status: o.status.rawValue, cached: o.cached,
            cacheKey: o.key, width: o.cut.size.width, height: o.cut.size.height, fps: o.cut.fps,
            plannedSeconds: (o.cut.plannedSeconds * 1000).rounded() / 1000, output: o.output, clips: clips,
            encodeSeconds: o.encodeSeconds.map { ($0 * 1000).rounded() / 1000 }, error: o.failure, skippedBecause: o.skip?.reason)
    }
}
