/// Why a job failed, as one code shared by the journal, the report, the terminal and the exit
/// status. Raw values are what `journal.jsonl` and `report.json` hold.
public enum FailureCode: String, Sendable, Hashable, Codable, CaseIterable {
    /// An input image file could not be read.
    case inputUnreadable = "input_unreadable"
    /// An upstream job's clip is not there (it did not succeed).
    case upstreamMissing = "upstream_missing"
    /// ffmpeg could not take the frame of an upstream clip.
    case frameExtractionFailed = "frame_extraction_failed"
    /// The create request went out and no answer came: the provider may be rendering (and billing) it.
    case ambiguousSubmission = "ambiguous_submission"
    /// The server refused the API key: every other job would fail the same way.
    case unauthorized
    /// The server refused the request (4xx).
    case badRequest = "bad_request"
    /// Still rate limited when the job's deadline came.
    case rateLimited = "rate_limited"
    /// The server kept failing (5xx).
    case serverError = "server_error"
    /// No answer from the server (connection reset, timed out).
    case transport
    /// The server cannot be reached at all (connection refused, unknown host, connect timeout):
    /// every other job would meet it too, so the run stops submitting.
    case unreachable
    /// The server answered something that is not the documented shape.
    case invalidResponse = "invalid_response"
    /// The provider says the generation failed (its own code is kept beside this one).
    case generationFailed = "generation_failed"
    /// Still rendering at `--job-timeout`; the video id is kept for the next run.
    case jobTimeout = "job_timeout"
    /// The provider no longer knows the video id.
    case notFound = "not_found"
    /// The recorded clip is gone and the provider no longer has the video.
    case outputLost = "output_lost"
    /// The clip could not be downloaded; the video id is kept for the next run.
    case downloadFailed = "download_failed"
    /// The downloaded file is not the clip that was asked for (size, length, or not a video).
    case verificationFailed = "verification_failed"
    /// The clip could not be written into the output folder.
    case writeFailed = "write_failed"
    /// The shared cache (`--cache`) failed: unreachable, refused, or a corrupted object.
    case cacheFailed = "cache_failed"

    /// A failure that every other job would meet too: the run stops starting jobs.
    public var stopsRun: Bool { self == .unauthorized || self == .unreachable }

    /// The provider answered before creating anything (a refusal, not a lost answer): not billed.
    public var provablyNotTaken: Bool { self == .badRequest || self == .unauthorized || self == .rateLimited }
}
