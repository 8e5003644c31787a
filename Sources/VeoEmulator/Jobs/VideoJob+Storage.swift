import Foundation

/// A job as its file in the job store holds it (JSON, times in seconds since 1970):
///
///     {"id": "video_…", "model": "…", "prompt": "…", "seconds": 8, "size": "1920x1080",
///      "created_at": 1761234567.25, "render_seconds": 3,
///      "status": "completed", "completed_at": 1761234570.25, "clip": "/…/video_….mp4"}
///
/// `status` is `in_progress` until the job's outcome is known (the API shows `queued` for the
/// first quarter of the render time), then `completed` (with `clip`) or `failed` (with `error`);
/// `completed_at` is when the API shows the job ended.
extension VideoJob: Codable {
    enum CodingKeys: String, CodingKey {
        case id, model, prompt, seconds, size, status, clip, error
        case createdAt = "created_at"
        case renderSeconds = "render_seconds"
        case completedAt = "completed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(model, forKey: .model)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(size, forKey: .size)
        try c.encode(createdAt.timeIntervalSince1970, forKey: .createdAt)
        try c.encode(renderSeconds, forKey: .renderSeconds)
        switch outcome {
        case .rendering:
            try c.encode(VideoStatus.inProgress, forKey: .status)
        case .rendered(let clip, let at):
            try c.encode(VideoStatus.completed, forKey: .status)
            try c.encode(max(at, dueAt).timeIntervalSince1970, forKey: .completedAt)
            try c.encode(clip, forKey: .clip)
        case .failed(let error):
            try c.encode(VideoStatus.failed, forKey: .status)
            try c.encode(dueAt.timeIntervalSince1970, forKey: .completedAt)
            try c.encode(error, forKey: .error)
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        model = try c.decode(String.self, forKey: .model)
        prompt = try c.decode(String.self, forKey: .prompt)
        seconds = try c.decode(Int.self, forKey: .seconds)
        size = try c.decode(String.self, forKey: .size)
        createdAt = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .createdAt))
        renderSeconds = try c.decode(Double.self, forKey: .renderSeconds)
        switch try c.decode(VideoStatus.self, forKey: .status) {
        case .queued, .inProgress:
            outcome = .rendering
        case .completed:
            let completedAt = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .completedAt))
            outcome = .rendered(clip: try c.decode(String.self, forKey: .clip), at: completedAt)
        case .failed:
            outcome = .failed(try c.decode(JobError.self, forKey: .error))
        }
    }
}
