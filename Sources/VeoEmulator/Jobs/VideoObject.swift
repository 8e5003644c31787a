/// The statuses of the provider's video object, which the emulator moves each job through.
enum VideoStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case inProgress = "in_progress"
    case completed
    case failed

    /// Whether the job has ended (its status never changes again).
    var isTerminal: Bool { self == .completed || self == .failed }
}

/// A failed job's `error`.
struct JobError: Sendable, Codable, Equatable {
    var code: String
    var message: String

    init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    init(_ code: ErrorCode, message: String) {
        self.init(code: code.rawValue, message: message)
    }
}

/// The video object of the API, as `POST /v1/videos` and `GET /v1/videos/{id}` answer it.
struct VideoObject: Encodable, Sendable {
    var id: String
    var createdAt: Int
    var status: VideoStatus
    /// Shown in place of `in_progress`, as some gateways do (``FaultPlan/nonStandardStatus``).
    var inProgressName: String?
    var model: String
    var prompt: String
    var progress: Int
    var seconds: Int
    var size: String
    var completedAt: Int?
    var expiresAt: Int?
    var videoURL: String?
    var error: JobError?

    /// The status as the client sees it.
    var shownStatus: String {
        status == .inProgress ? inProgressName ?? status.rawValue : status.rawValue
    }

    enum CodingKeys: String, CodingKey {
        case id, object, status, model, prompt, progress, seconds, size, error
        case createdAt = "created_at"
        case completedAt = "completed_at"
        case expiresAt = "expires_at"
        case videoURL = "video_url"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode("video", forKey: .object)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(shownStatus, forKey: .status)
        try c.encode(model, forKey: .model)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(progress, forKey: .progress)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(size, forKey: .size)
        try c.encodeIfPresent(completedAt, forKey: .completedAt)
        try c.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try c.encodeIfPresent(videoURL, forKey: .videoURL)
        try c.encodeIfPresent(error, forKey: .error)
    }
}
