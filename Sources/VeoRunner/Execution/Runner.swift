import Foundation
import VeoCache
public import VeoManifest
import VeoReport
public import VeoMedia

/// Executes a plan: each job as soon as its dependencies are done, at most `concurrency` rendering
/// at the provider at a time. A job's slot goes to the next job when the provider reports its
/// render finished; its download and checks go on beside (the provider's own limit counts
/// unfinished jobs, and the clip's dependents still wait for the clip on disk).
///
/// One job goes through the stages of ``JobContext`` (JobStages.swift): resolve its inputs → look up
/// the cache → submit or resume → wait for the render → fetch and verify the clip → record.
/// This file only schedules: which job starts when, and what is skipped because of what.
public struct Runner: Sendable {
    public var plan: Plan
    public var options: RunOptions
    public var service: any VideoService
    public var media: MediaTools
    public var onEvent: @Sendable (RunEvent) -> Void

    public init(plan: Plan, options: RunOptions, service: any VideoService, media: MediaTools = MediaTools(),
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in })
    {
        self.plan = plan
        self.options = options
        self.service = service
        self.media = media
        self.onEvent = onEvent
    }

    /// Runs to the end, or until the task is cancelled (then the result's status is `interrupted`).
    /// Throws only when the output folder or journal cannot be set up.
    public func run() async throws -> RunResult {
        let startedAt = Date()
        let layout = OutputLayout(root: options.outDirectory)
        try layout.prepare()
        // One run per output folder: two would both submit every job and fight over the journal.
        let lock = try OutputLock(layout: layout)
        defer { lock.release() }
        layout.removeLeftovers()
        let journal = try Journal(path: layout.journalPath, origin: options.origin)
        if let warning = await Self.otherServerWarning(journal: journal, origin: options.origin, folder: layout.root) { onEvent(.warning(warning)) }
        let ledger = SpendingLedger(path: layout.spendingPath, limits: options.budget)
        var selection = selection()
        // The budget was checked, and what fits chosen, by the forecast the run starts from (RunForecast).
        selection.overBudget = options.overBudget
        let rendered = RenderedJobs()
        let context = JobContext(
            options: options, layout: layout, journal: journal, service: service, media: media, onEvent: onEvent,
            limiter: options.requestsPerMinute.map { RateLimiter(perMinute: $0) }, ledger: ledger, renderFinished: rendered.post)
        var schedule = Schedule(plan: plan, selection: selection, failFast: options.failFast)
        var cuts = CutSchedule(plan: plan, selected: selection.cuts, forced: selection.forcedCuts)
        let maker = CutMaker(layout: layout, media: media, onEvent: onEvent)
        for s in schedule.skippedAtStart { onEvent(.skipped(job: s.job.id, reason: s.skip?.reason ?? "")) }
        for s in cuts.jobsFinished(schedule.skippedAtStart) { onEvent(.cutSkipped(cut: s.cut.id, reason: s.skip?.reason ?? "")) }
        await runAll(&schedule, cuts: &cuts, context: context, maker: maker, rendered: rendered)
        let unstarted = schedule.skipUnstarted()
        for skipped in unstarted { onEvent(.skipped(job: skipped.job.id, reason: skipped.skip?.reason ?? "")) }
        for s in cuts.jobsFinished(unstarted) + cuts.skipUnstarted() { onEvent(.cutSkipped(cut: s.cut.id, reason: s.skip?.reason ?? "")) }
        await journal.close()
        let ordered = schedule.outcomes(in: plan)
        let cutOutcomes = cuts.outcomes(in: plan)
        return RunResult(
            status: Self.status(of: ordered, cuts: cutOutcomes), outcomes: ordered, cuts: cutOutcomes, startedAt: startedAt, finishedAt: Date(),
            spentThisRun: await ledger.thisRun, spentTotal: await ledger.total)
    }

    /// The run's task group: starts jobs as slots free up (a slot is a render at the provider,
    /// given back when the render finished, see ``RenderSlots``, unless a dependent of that job
    /// should have it, ``Schedule/keepsSlot(after:)``) and cuts as their jobs succeed, until
    /// nothing is left to start or running.
    private func runAll(_ schedule: inout Schedule, cuts: inout CutSchedule, context: JobContext, maker: CutMaker, rendered: RenderedJobs) async {
        await withTaskGroup(of: Finished.self) { group in
            var slots = RenderSlots()
            var (cutting, listening) = (0, false)
            while true {
                if Task.isCancelled { schedule.stop(because: Schedule.interruptedReason, cause: .interrupted) }
                while slots.taken < max(1, options.concurrency), let (job, upstream, force) = schedule.nextReady() {
                    group.addTask { .job(await context.execute(job, upstream: upstream, force: force)) }
                    slots.take()
                }
                // One task at a time waits for the next finished render, while any job holds a slot.
                if slots.taken > 0, !listening {
                    group.addTask { .rendered(await rendered.next()) }
                    listening = true
                } else if slots.taken == 0, listening {
                    rendered.wake()
                }
                // ffmpeg uses every core for one cut: one at a time, beside the renders.
                while cutting < 1, !Task.isCancelled, let (cut, clips, force) = cuts.nextReady() {
                    group.addTask { .cut(await maker.make(cut, clips: clips, force: force)) }
                    cutting += 1
                }
                guard let finished = await group.next() else { break }
                switch finished {
                case .rendered(let id):
                    listening = false
                    if let id, !schedule.keepsSlot(after: id) { slots.renderFinished(id) }
                case .job(let outcome):
                    slots.jobEnded(outcome.job.id)
                    let skipped = schedule.finish(outcome)
                    for s in skipped { onEvent(.skipped(job: s.job.id, reason: s.skip?.reason ?? "")) }
                    for s in cuts.jobsFinished([outcome] + skipped) { onEvent(.cutSkipped(cut: s.cut.id, reason: s.skip?.reason ?? "")) }
                case .cut(let outcome):
                    cutting -= 1
                    cuts.finish(outcome)
                }
            }
        }
    }

    /// What a task of the run's group gives back.
    private enum Finished: Sendable {
        /// A job's render finished (nil: the wait for one was ended).
        case rendered(String?)
        case job(JobOutcome)
        case cut(CutOutcome)
    }

    /// When this folder's clips were all rendered against another server (say `127.0.0.1` where
    /// the run now says `localhost`), they are not reused: say so before paying for them again.
    static func otherServerWarning(journal: Journal, origin: String?, folder: String) async -> String? {
        guard let origin else { return nil }
        let others = journal.clipsOfOtherOrigins
        guard !others.isEmpty, await journal.allStates.values.allSatisfy({ $0.output == nil }) else { return nil }
        func name(_ o: String) -> String { o == RunOptions.emulatorOrigin ? "the bundled emulator (--emulate)" : o }
        let listed = others.sorted { $0.value > $1.value }.map { "\(name($0.key)) (\($0.value) clip\($0.value == 1 ? "" : "s"))" }
        let hint = others.keys.sorted().first.map { $0 == RunOptions.emulatorOrigin ? "run with --emulate" : "run with --base-url \($0)" } ?? ""
        return "the clips in \(folder) were rendered against \(listed.joined(separator: ", ")), not \(name(origin)); "
            + "they are not reused for this server, so its jobs are rendered (and paid for) anew. To reuse them, \(hint); "
            + "to keep both, use another --out for this server."
    }

    static func status(of outcomes: [JobOutcome], cuts: [CutOutcome] = []) -> RunResult.Status {
        if Task.isCancelled || outcomes.contains(where: { $0.skip?.cause == .interrupted }) || cuts.contains(where: { $0.skip?.cause == .interrupted }) {
            return .interrupted
        }
        let failed = outcomes.contains { $0.status == .failed || ($0.status == .skipped && $0.skip?.cause != .notSelected) }
            || cuts.contains { $0.status == .failed || ($0.status == .skipped && $0.skip?.cause != .notSelected) }
        return failed ? .failed : .succeeded
    }

    /// Jobs to run (selected by --only, plus the upstream jobs they take frames from) and jobs to
    /// force; cuts to make (every cut without --only; else the cuts it names, with their jobs).
    func selection() -> Schedule.Selection {
        Self.selection(plan: plan, only: options.only, force: options.force)
    }

    static func selection(plan: Plan, only: [String], force: Bool) -> Schedule.Selection {
        guard !only.isEmpty else {
            let all = Set(plan.jobs.map(\.id))
            let cuts = Set(plan.cuts.map(\.id))
            return Schedule.Selection(selected: all, forced: force ? all : [], cuts: cuts, forcedCuts: force ? cuts : [])
        }
        let wanted = Set(only)
        let cuts = Set(plan.cuts.map(\.id).filter { wanted.contains($0) })
        let cutJobs = Set(plan.cuts.filter { cuts.contains($0.id) }.flatMap(\.jobs))
        let chosen = Set(plan.jobs.filter { wanted.contains($0.id) || wanted.contains($0.shot) || cutJobs.contains($0.id) }.map(\.id))
        var selected = chosen
        var stack = Array(chosen)
        while let id = stack.popLast() {
            guard let job = plan.job(id) else { continue }
            for input in job.request.inputs {
                if case .frame(let upstream, _) = input.source, selected.insert(upstream).inserted { stack.append(upstream) }
            }
        }
        return Schedule.Selection(selected: selected, forced: force ? chosen : [], cuts: cuts, forcedCuts: force ? cuts : [])
    }
}

/// The run's bookkeeping: which jobs wait on which, which are ready, and each one's outcome.
/// When more jobs are ready than slots, the one with the most work still behind it (its seconds
/// plus those of its longest chain of dependents) starts first, then plan order.
struct Schedule {
    struct Selection {
        var selected: Set<String>
        var forced: Set<String>
        var cuts: Set<String> = []
        var forcedCuts: Set<String> = []
        /// Selected jobs skipped from the start as over budget (`--render-what-fits`), with the reason.
        var overBudget: [String: String] = [:]
    }

    static let interruptedReason = "interrupted before it started; the next run starts it"

    private let plan: Plan
    private let forced: Set<String>
    private let failFast: Bool
    private var outcomes: [String: JobOutcome] = [:]
    private var waitingOn: [String: Int] = [:]
    private var dependents: [String: [String]] = [:]
    private var ready: [String]
    /// Each selected job's seconds plus its longest chain of dependents' (the critical path from it).
    private(set) var remainingWork: [String: Int] = [:]
    private var order: [String: Int] = [:]
    private var stopped: Skip?
    /// Jobs skipped before the run started (over budget) and their dependents.
    private(set) var skippedAtStart: [JobOutcome] = []

    init(plan: Plan, selection: Selection, failFast: Bool) {
        self.plan = plan
        self.forced = selection.forced
        self.failFast = failFast
        var waitingOn: [String: Int] = [:]
        for job in plan.jobs where selection.selected.contains(job.id) {
            let deps = job.dependencies.filter { selection.selected.contains($0) }
            waitingOn[job.id] = deps.count
            for d in deps { dependents[d, default: []].append(job.id) }
        }
        self.waitingOn = waitingOn
        for job in plan.jobs where !selection.selected.contains(job.id) {
            outcomes[job.id] = .skipped(job, because: "not selected by --only", cause: .notSelected)
        }
        self.ready = plan.jobs.filter { selection.selected.contains($0.id) && waitingOn[$0.id] == 0 }.map(\.id)
        for (index, job) in plan.jobs.enumerated() { order[job.id] = index }
        // Dependents come after their dependencies in plan order: walk it backwards.
        for job in plan.jobs.reversed() where selection.selected.contains(job.id) {
            let behind = (dependents[job.id] ?? []).compactMap { remainingWork[$0] }.max() ?? 0
            remainingWork[job.id] = job.request.seconds.rawValue + behind
        }
        for job in plan.jobs where selection.selected.contains(job.id) && outcomes[job.id] == nil {
            guard let reason = selection.overBudget[job.id] else { continue }
            let outcome = JobOutcome.skipped(job, because: reason, cause: .overBudget)
            outcomes[job.id] = outcome
            ready.removeAll { $0 == job.id }
            skippedAtStart += [outcome] + skipDependents(of: job.id, because: "upstream job '\(job.id)' was skipped", cause: .overBudget)
        }
    }

    /// The next job to start, with the outcomes of the jobs it depends on; nil when none is ready
    /// or the run stopped starting jobs.
    mutating func nextReady() -> (PlannedJob, [JobOutcome], Bool)? {
        while stopped == nil, let index = mostUrgentReady() {
            let id = ready.remove(at: index)
            guard let job = plan.job(id) else { continue }
            return (job, job.dependencies.compactMap { outcomes[$0] }, forced.contains(id))
        }
        return nil
    }

    /// The index in `ready` of the job with the most work behind it (then the earliest in the plan).
    private func mostUrgentReady() -> Int? {
        ready.indices.min { a, b in
            let (wa, wb) = (remainingWork[ready[a]] ?? 0, remainingWork[ready[b]] ?? 0)
            return wa != wb ? wa > wb : (order[ready[a]] ?? 0) < (order[ready[b]] ?? 0)
        }
    }

    /// Whether the slot of `id`, whose render finished while its clip is still on its way, should
    /// wait for the job's end instead of going to a job ready now: one of its dependents, ready
    /// once it ends, has more work behind it than every ready job (critical path first, also
    /// when a slot frees early). False when nothing is ready to take the slot.
    func keepsSlot(after id: String) -> Bool {
        guard stopped == nil, let urgent = mostUrgentReady() else { return false }
        let next = (dependents[id] ?? []).filter { waitingOn[$0] == 1 && outcomes[$0] == nil }
        let behind = next.compactMap { remainingWork[$0] }.max() ?? 0
        return behind > (remainingWork[ready[urgent]] ?? 0)
    }

    /// Stops starting jobs (the first reason given stays).
    mutating func stop(because reason: String, cause: Skip.Cause) {
        if stopped == nil { stopped = Skip(cause: cause, reason: reason) }
    }

    /// Records a finished job: its dependents become ready, or are skipped (returned) when it did not succeed.
    mutating func finish(_ outcome: JobOutcome) -> [JobOutcome] {
        outcomes[outcome.job.id] = outcome
        if outcome.status == .succeeded {
            for d in dependents[outcome.job.id] ?? [] {
                waitingOn[d, default: 0] -= 1
                if waitingOn[d] == 0, outcomes[d] == nil { ready.append(d) }
            }
            return []
        }
        let interrupted = outcome.skip?.cause == .interrupted
        let why = interrupted
            ? Self.interruptedReason
            : "upstream job '\(outcome.job.id)' \(outcome.status == .failed ? "failed" : "was skipped")"
        if let failure = outcome.failure {
            if failure.code == .unauthorized { stop(because: "not started: the server refused the API key (check VEO_API_KEY)", cause: .notRun) }
            if failure.code == .unreachable { stop(because: "not started: the server cannot be reached (\(failure.message))", cause: .notRun) }
            if failFast { stop(because: "not started: --fail-fast stopped the run after '\(outcome.job.id)' failed", cause: .notRun) }
        }
        return skipDependents(of: outcome.job.id, because: why, cause: interrupted ? .interrupted : .notRun)
    }

    private mutating func skipDependents(of id: String, because reason: String, cause: Skip.Cause) -> [JobOutcome] {
        var skipped: [JobOutcome] = []
        var stack = dependents[id] ?? []
        while let d = stack.popLast() {
            guard outcomes[d] == nil, let job = plan.job(d) else { continue }
            let outcome = JobOutcome.skipped(job, because: reason, cause: cause)
            outcomes[d] = outcome
            skipped.append(outcome)
            stack += dependents[d] ?? []
        }
        return skipped
    }

    /// Whatever never started (a stop or an interrupt) is skipped with the reason.
    mutating func skipUnstarted() -> [JobOutcome] {
        var skipped: [JobOutcome] = []
        for job in plan.jobs where outcomes[job.id] == nil {
            let outcome = JobOutcome.skipped(job, because: stopped?.reason ?? "not started", cause: stopped?.cause ?? .notRun)
            outcomes[job.id] = outcome
            skipped.append(outcome)
        }
        return skipped
    }

    func outcomes(in plan: Plan) -> [JobOutcome] {
        plan.jobs.compactMap { outcomes[$0.id] }
    }
}
