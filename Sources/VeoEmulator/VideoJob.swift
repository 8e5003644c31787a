import Foundation

/// One generation job and how far its (simulated) rendering has got.
struct VideoJob: Sendable {
    enum Render: Sendable {
        case pending
        case done(path: String, at: Date)
        case failed(code: String, message: String)
    }

    let id: String
    let model: String
    let prompt: String
    let seconds: Int
    let size: String
    let createdAt: Date
    /// Set at creation when the fault plan says this prompt fails.
    let plannedFailure: (code: String, message: String)?
    var render: Render = .pending

    /// The status a client sees at `now`: the first quarter of `renderSeconds` queued, then in
    /// progress, then terminal once the time is up and the clip exists (or failed).
    func snapshot(at now: Date, renderSeconds: Double, inProgressName: String) -> VideoObject {
        let elapsed = now.timeIntervalSince(createdAt)
        let queuedFor = renderSeconds * 0.25
        var object = VideoObject(
            id: id, object: "video", created_at: Int(createdAt.timeIntervalSince1970), status: "queued",
            model: model, prompt: prompt, progress: 0, seconds: seconds, size: size)
        if elapsed < queuedFor { return object }
        let timeUp = elapsed >= renderSeconds
        if timeUp, let failure = plannedFailure {
            object.status = "failed"
            object.error = .init(code: failure.code, message: failure.message)
            object.completed_at = Int(createdAt.addingTimeInterval(renderSeconds).timeIntervalSince1970)
            return object
        }
        switch render {
        case .failed(let code, let message) where timeUp:
            object.status = "failed"
            object.error = .init(code: code, message: message)
            object.completed_at = Int(createdAt.addingTimeInterval(renderSeconds).timeIntervalSince1970)
        case .done(_, let at) where timeUp:
            let completed = max(at, createdAt.addingTimeInterval(renderSeconds))
            object.status = "completed"
            object.progress = 100
            object.completed_at = Int(completed.timeIntervalSince1970)
            object.expires_at = Int(completed.timeIntervalSince1970) + 2 * 24 * 3600
        default:
            object.status = inProgressName
            let span = max(renderSeconds - queuedFor, 0.001)
            object.progress = min(99, max(1, Int((elapsed - queuedFor) / span * 100)))
        }
        return object
    }
}

/// The video object of the API (field names as on the wire).
struct VideoObject: Codable, Sendable {
    struct Failure: Codable, Sendable {
        var code: String
        var message: String
    }

    var id: String
    var object: String
    var created_at: Int
    var status: String
    var model: String
    var prompt: String
    var progress: Int
    var seconds: Int
    var size: String
    var completed_at: Int?
    var expires_at: Int?
    var video_url: String?
    var error: Failure?

    var isTerminal: Bool { status == "completed" || status == "failed" }
}
