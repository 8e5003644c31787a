import Foundation

/// Everything mutable: jobs, the fault plan and how much of it was used, the record.
actor EmulatorState {
    enum Fault: String, CaseIterable {
        case rateLimit = "rate_limit"
        case unavailable
        case pollServerError = "poll_server_error"
        case truncate
        case corrupt
        case redirectLoop = "redirect_loop"
        case loseResponse = "lose_response"

        func limit(in plan: FaultPlan) -> Int {
            switch self {
            case .rateLimit: plan.rateLimitCreates
            case .unavailable: plan.unavailableCreates
            case .pollServerError: plan.pollServerErrors
            case .truncate: plan.truncateDownloads
            case .corrupt: plan.corruptDownloads
            case .redirectLoop: plan.redirectLoopDownloads
            case .loseResponse: plan.loseCreateResponses
            }
        }
    }

    let renderSeconds: Double
    private(set) var faults: FaultPlan
    private var used: [Fault: Int] = [:]
    private var jobs: [String: VideoJob] = [:]
    private var records: [RecordedRequest] = []
    var baseURL = "http://127.0.0.1"

    init(renderSeconds: Double, faults: FaultPlan) {
        self.renderSeconds = renderSeconds
        self.faults = faults
    }

    func setBaseURL(_ url: String) { baseURL = url }

    // MARK: - Faults

    /// Whether `fault` applies to this request; if so, counts it. Returns its 0-based index.
    func take(_ fault: Fault) -> Int? {
        let n = used[fault, default: 0]
        guard n < fault.limit(in: faults) else { return nil }
        used[fault] = n + 1
        return n
    }

    func setFaults(_ plan: FaultPlan) {
        faults = plan
        used = [:]
    }

    func reset() {
        records = []
        used = [:]
    }

    // MARK: - Record

    func append(_ request: RecordedRequest) { records.append(request) }

    var record: EmulatorRecord { EmulatorRecord(requests: records) }

    // MARK: - Jobs

    enum CreateOutcome {
        case created(VideoJob)
        case concurrencyLimit(Int)
    }

    func create(_ request: CreateRequest, serveFile: String?) -> CreateOutcome {
        let now = Date()
        if let limit = faults.maxConcurrentJobs {
            let unfinished = jobs.values.filter {
                !$0.snapshot(at: now, renderSeconds: renderSeconds, inProgressName: "in_progress").isTerminal
            }.count
            if unfinished >= limit { return .concurrencyLimit(limit) }
        }
        var id: String
        repeat {
            id = "video_" + (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        } while jobs[id] != nil
        let failure = faults.failPromptsContaining.first { !$0.isEmpty && request.prompt.contains($0) }.map {
            (code: faults.failCode, message: "Generation failed: the prompt was rejected (matched '\($0)').")
        }
        var job = VideoJob(
            id: id, model: request.model, prompt: request.prompt, seconds: request.seconds, size: request.size,
            createdAt: now, plannedFailure: failure)
        if let serveFile { job.render = .done(path: serveFile, at: now) }
        jobs[id] = job
        return .created(job)
    }

    func finishRender(id: String, _ render: VideoJob.Render) {
        jobs[id]?.render = render
    }

    func snapshot(id: String) -> VideoObject? {
        guard let job = jobs[id] else { return nil }
        let name = faults.nonStandardStatus ?? "in_progress"
        return job.snapshot(at: Date(), renderSeconds: renderSeconds, inProgressName: name)
    }

    /// The clip of a completed job.
    func file(id: String) -> String? {
        guard let job = jobs[id], case .done(let path, _) = job.render,
            job.snapshot(at: Date(), renderSeconds: renderSeconds, inProgressName: "").status == "completed"
        else { return nil }
        return path
    }
}
