/// The fault plan in force and how much of each counted fault has been used.
actor FaultInjector {
    private(set) var plan: FaultPlan
    private var used: [InjectedFault: Int] = [:]

    init(plan: FaultPlan) {
        self.plan = plan
    }

    /// Whether `fault` applies to this request; if so, counts it. Returns its 0-based index
    /// among the requests it applied to.
    func take(_ fault: InjectedFault) -> Int? {
        let n = used[fault, default: 0]
        guard n < fault.limit(in: plan) else { return nil }
        used[fault] = n + 1
        return n
    }

    /// Replaces the plan and restarts its counters.
    func setPlan(_ plan: FaultPlan) {
        self.plan = plan
        used = [:]
    }

    /// Restarts the counters (the plan stays).
    func resetCounters() {
        used = [:]
    }
}

extension InjectedFault {
    /// How many requests the plan injects this fault into; 0 for the concurrency limit, which
    /// is a standing limit (``FaultPlan/maxConcurrentJobs``), not a count.
    func limit(in plan: FaultPlan) -> Int {
        switch self {
        case .rateLimit: plan.rateLimitCreates
        case .unavailable: plan.unavailableCreates
        case .pollServerError: plan.pollServerErrors
        case .truncate: plan.truncateDownloads
        case .corrupt: plan.corruptDownloads
        case .redirectLoop: plan.redirectLoopDownloads
        case .loseResponse: plan.loseCreateResponses
        case .concurrencyLimit: 0
        }
    }
}
