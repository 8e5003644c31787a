import VeoManifest

/// Which cuts wait on which jobs. A cut is ready when every job it uses succeeded; it is skipped,
/// with the reason, as soon as one of them failed or was skipped.
struct CutSchedule {
    private let forced: Set<String>
    /// Cuts not yet started, in plan order.
    private var waiting: [PlannedCut]
    private var ready: [(PlannedCut, [String: JobOutcome])] = []
    private var jobs: [String: JobOutcome] = [:]
    private var outcomes: [String: CutOutcome] = [:]

    init(plan: Plan, selected: Set<String>, forced: Set<String>) {
        self.forced = forced
        waiting = plan.cuts.filter { selected.contains($0.id) }
        for cut in plan.cuts where !selected.contains(cut.id) {
            outcomes[cut.id] = .skipped(cut, because: "not selected by --only", cause: .notSelected)
        }
    }

    /// The next cut to make, with its jobs' outcomes and whether to encode it again regardless.
    mutating func nextReady() -> (PlannedCut, [String: JobOutcome], Bool)? {
        guard !ready.isEmpty else { return nil }
        let (cut, clips) = ready.removeFirst()
        return (cut, clips, forced.contains(cut.id))
    }

    /// Takes in finished jobs; returns the cuts skipped because of them.
    mutating func jobsFinished(_ finished: [JobOutcome]) -> [CutOutcome] {
        for outcome in finished { jobs[outcome.job.id] = outcome }
        var skipped: [CutOutcome] = []
        var still: [PlannedCut] = []
        for cut in waiting {
            let outcomes = cut.jobs.map { jobs[$0] }
            if let bad = outcomes.compactMap({ $0 }).first(where: { $0.status != .succeeded }) {
                let interrupted = bad.skip?.cause == .interrupted
                let reason = interrupted
                    ? Schedule.interruptedReason
                    : "its clip '\(bad.job.id)' \(bad.status == .failed ? "failed" : "was skipped")"
                let outcome = CutOutcome.skipped(cut, because: reason, cause: interrupted ? .interrupted : .notRun)
                self.outcomes[cut.id] = outcome
                skipped.append(outcome)
            } else if outcomes.allSatisfy({ $0 != nil }) {
                ready.append((cut, Dictionary(uniqueKeysWithValues: cut.jobs.map { ($0, jobs[$0]!) })))
            } else {
                still.append(cut)
            }
        }
        waiting = still
        return skipped
    }

    mutating func finish(_ outcome: CutOutcome) {
        outcomes[outcome.cut.id] = outcome
    }

    /// Cuts that never started (the run stopped or was interrupted).
    mutating func skipUnstarted() -> [CutOutcome] {
        var skipped: [CutOutcome] = []
        for cut in waiting + ready.map(\.0) where outcomes[cut.id] == nil {
            let outcome = CutOutcome.skipped(cut, because: Schedule.interruptedReason, cause: .interrupted)
            outcomes[cut.id] = outcome
            skipped.append(outcome)
        }
        waiting = []
        ready = []
        return skipped
    }

    func outcomes(in plan: Plan) -> [CutOutcome] {
        plan.cuts.compactMap { outcomes[$0.id] }
    }
}
