import ArgumentParser
import VeoWorkspace

/// How fast `run` goes: renders at once, polls, the job deadline, create and poll rates.
struct RenderPaceOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Jobs rendering at the provider at once (1 to 64); downloads of finished renders go on beside them.")
    var concurrency = 4

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between status polls (the provider asks for 6 to 10; default 8, or 1 with --emulate).", valueName: "seconds"))
    var pollInterval: Double?

    @Option(help: ArgumentHelp(
        "How polls are timed: learned (default: a created job is first polled when jobs like it were seen done in this run) or plain (the reference: each job from its own answers only).",
        valueName: "plan", visibility: .hidden))
    var pollPlanning: PollPlanningOption = .learned

    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds one job may take from submission to completion.", valueName: "seconds"))
    var jobTimeout: Double = 1200

    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many create requests per minute.", valueName: "n"))
    var requestsPerMinute: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "At most this many status polls a second for the whole run, after a burst of 32; the jobs predicted to finish soonest go first (default 50; 0: no limit).",
        valueName: "n"))
    var pollsPerSecond: Double?

    func validate() throws {
        guard concurrency >= 1 && concurrency <= 64 else { throw ValidationError("--concurrency must be from 1 to 64") }
        if let p = pollInterval, !(p > 0 && p <= 600) { throw ValidationError("--poll-interval must be more than 0 and at most 600 seconds") }
        guard jobTimeout > 0 && jobTimeout <= 7 * 24 * 3600 else {
            throw ValidationError("--job-timeout must be more than 0 seconds and at most 7 days (604800)")
        }
        if let r = requestsPerMinute, r < 1 { throw ValidationError("--requests-per-minute must be at least 1") }
        if let p = pollsPerSecond, !(p >= 0 && p <= 100_000) { throw ValidationError("--polls-per-second must be from 0 (no limit) to 100000") }
    }

    /// These flags as the workspace's run settings (the rest are set by `run`).
    var settings: Workspace.RunSettings {
        var run = Workspace.RunSettings()
        (run.concurrency, run.pollInterval, run.pollPlanning, run.jobTimeout) = (concurrency, pollInterval, pollPlanning.planning, jobTimeout)
        (run.requestsPerMinute, run.pollsPerSecond) = (requestsPerMinute, pollsPerSecond)
        return run
    }
}
