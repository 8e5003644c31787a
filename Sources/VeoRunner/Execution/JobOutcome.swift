public import Foundation
public import VeoManifest
public import VeoProvider

/// An input image as the run resolved it.
public struct ResolvedInput: Sendable, Hashable {
    public var role: RequestInput.Role
    public var source: ImageSource
    /// sha256 of the bytes sent (the file, or the extracted frame); nil for a URL, and for a frame
    /// not extracted in this run.
    public var sha256: String?
}

/// A job whose inputs are known: its content key and its inputs with their hashes.
public struct ResolvedJob: Sendable, Hashable {
    public var key: String
    public var inputs: [ResolvedInput]
}

/// A job the provider took: its video id, when it was sent, and how many create requests that took.
public struct Submission: Sendable, Hashable {
    public var videoID: String
    public var submittedAt: Date?
    /// Create requests sent for this job (this run and earlier ones since its last outcome).
    public var attempts: Int
    /// Resumed by its video id from the journal rather than sent in this run.
    public var resumed: Bool
    /// The inputs as sent (frames extracted in this run carry their sha256).
    public var inputs: [ResolvedInput]
}

/// Why a job was skipped.
public struct Skip: Sendable, Hashable {
    public enum Cause: Sendable, Hashable {
        /// Not selected by `--only`: not part of this run.
        case notSelected
        /// Stopped by SIGINT/SIGTERM; the next run resumes or starts it.
        case interrupted
        /// An upstream job failed or was skipped, or the run stopped starting jobs.
        case notRun
        /// Its estimated cost did not fit what the budget had left (`--render-what-fits`).
        case overBudget
    }

    public var cause: Cause
    public var reason: String
}

/// How one job ended.
public struct JobOutcome: Sendable {
    public enum Result: Sendable {
        /// Rendered in this run (or resumed and finished): the clip and when it was complete.
        case rendered(OutputRecord, completedAt: Date)
        /// Taken from the output folder with no API call.
        case cached(OutputRecord, videoID: String?)
        case failed(JobFailure)
        case skipped(Skip)
    }

    public enum Status: String, Sendable, Codable {
        case succeeded
        case failed
        case skipped
    }

    public let job: PlannedJob
    public let result: Result
    /// Known once the job's inputs were resolved.
    public let resolved: ResolvedJob?
    /// Known once the provider took the job.
    public let submission: Submission?
    /// How long the job took in this run (nil when it never started).
    public var wallSeconds: Double?

    public init(job: PlannedJob, result: Result, resolved: ResolvedJob? = nil, submission: Submission? = nil) {
        self.job = job
        self.result = result
        self.resolved = resolved
        self.submission = submission
    }

    static func skipped(_ job: PlannedJob, because reason: String, cause: Skip.Cause) -> JobOutcome {
        JobOutcome(job: job, result: .skipped(Skip(cause: cause, reason: reason)))
    }

    public var status: Status {
        switch result {
        case .rendered, .cached: .succeeded
        case .failed: .failed
        case .skipped: .skipped
        }
    }

    public var cached: Bool {
        if case .cached = result { return true }
        return false
    }

    public var output: OutputRecord? {
        switch result {
        case .rendered(let output, _), .cached(let output, _): output
        case .failed, .skipped: nil
        }
    }

    public var failure: JobFailure? {
        if case .failed(let failure) = result { return failure }
        return nil
    }

    public var skip: Skip? {
        if case .skipped(let skip) = result { return skip }
        return nil
    }

    public var videoID: String? {
        if case .cached(_, let videoID) = result { return videoID }
        return submission?.videoID
    }

    public var completedAt: Date? {
        if case .rendered(_, let completedAt) = result { return completedAt }
        return nil
    }

    /// The inputs as sent (or as they would have been): hashes where known.
    public var inputs: [ResolvedInput] {
        submission?.inputs ?? resolved?.inputs ?? job.request.inputs.map { ResolvedInput(role: $0.role, source: $0.source, sha256: nil) }
    }

    public var attempts: Int { submission?.attempts ?? failure?.attempts ?? 0 }

    /// The request reached the provider (submitted, resumed, or sent with its answer lost): the
    /// provider may bill it, whatever the outcome.
    public var charged: Bool {
        submission != nil || failure?.code == .ambiguousSubmission || (failure?.attempts ?? 0) > 0 && failure?.code.provablyNotTaken == false
    }
}
