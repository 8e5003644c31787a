import Foundation
import VeoProvider
import VeoMedia

/// Frames of upstream clips, each extracted once per run however many jobs take it.
actor FrameExtractions {
    private var tasks: [String: Task<String, any Error>] = [:]

    /// The PNG's sha256. Keyed by destination and the clip's sha256, so a re-rendered upstream
    /// clip is extracted again.
    func extract(_ frame: FramePosition, of clip: String, sha256: String, to png: String, with media: MediaTools) async throws -> String {
        let key = png + "@" + sha256
        if let task = tasks[key] { return try await task.value }
        let task = Task {
            try await media.extractFrame(frame, of: clip, to: png)
            return try CacheKey.sha256(ofFile: png)
        }
        tasks[key] = task
        return try await task.value
    }
}

/// sha256 of input files, computed once per path per run.
actor FileHashCache {
    private var hashes: [String: String] = [:]

    func sha256(_ path: String) throws -> String {
        if let known = hashes[path] { return known }
        let sha = try CacheKey.sha256(ofFile: path)
        hashes[path] = sha
        return sha
    }
}

/// Spaces create requests to at most N per minute.
actor RateLimiter {
    private let interval: Duration
    private var next: ContinuousClock.Instant?

    init(perMinute: Int) {
        interval = .milliseconds(60_000 / max(1, perMinute))
    }

    func acquire() async throws {
        let now = ContinuousClock.now
        let slot = max(now, next ?? now)
        next = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
