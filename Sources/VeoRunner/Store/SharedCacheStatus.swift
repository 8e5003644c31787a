import Foundation
public import VeoCache
public import VeoManifest

/// Which jobs the shared cache already holds (a run takes them at no cost): `plan --cache` shows
/// them as cached, and `run` leaves them out of its budget estimate.
public enum SharedCacheStatus {
    /// Records looked up at once (each a small GET).
    static let lookups = 16

    /// The jobs cached locally (`local`) or with a record in the shared cache, from the folder
    /// journal's `states` (`CacheStatus.read`). A job downstream of a hit gets its key from the
    /// hit's clip hash. Only `candidates` (when given) are looked up; `local` hits take their clip
    /// hash from `states`. The records of the jobs whose keys are known are
    /// read concurrently, round after round: a hit makes the keys of its dependents known.
    public static func cachedJobs(
        plan: Plan, states: [String: KeyState], local: Set<String>, origin: String?, cache: any RemoteCache, candidates: Set<String>? = nil
    ) async throws -> Set<String> {
        var fileHash: [String: String] = [:]
        for job in plan.jobs {
            for input in job.request.inputs {
                if case .file(let path, _) = input.source, fileHash[path] == nil { fileHash[path] = try? CacheKey.sha256(ofFile: path) }
            }
        }
        var clipHash: [String: String] = [:]
        var cached = Set<String>()
        var undecided = plan.jobs.filter { local.contains($0.id) || candidates?.contains($0.id) ?? true }
        while true {
            var ready: [(job: PlannedJob, key: String)] = []
            var waiting: [PlannedJob] = []
            for job in undecided {  // plan order: a local hit's dependents come after it
                guard let key = CacheKey.forJob(job, fileSHA: fileHash, clipSHA: clipHash) else {
                    waiting.append(job)
                    continue
                }
                if local.contains(job.id), let sha = states[key]?.output?.sha256 {
                    (clipHash[job.id], _) = (sha, cached.insert(job.id))
                } else if candidates?.contains(job.id) ?? true {
                    ready.append((job, SharedCacheOptions.remoteKey(key, origin: origin)))
                }
            }
            guard !ready.isEmpty else { return cached }
            for (job, sha) in try await records(ready, in: cache) {
                (clipHash[job], _) = (sha, cached.insert(job))
            }
            undecided = waiting
        }
    }

    /// The clip sha256 of each job whose record the cache holds (and could be its clip: a record
    /// that fails its check is a miss), at most ``lookups`` reads at once.
    static func records(_ jobs: [(job: PlannedJob, key: String)], in cache: any RemoteCache) async throws -> [String: String] {
        try await withThrowingTaskGroup(of: (String, String?).self) { group in
            var found: [String: String] = [:]
            var next = jobs.makeIterator()
            func add() -> Bool {
                guard let (job, key) = next.next() else { return false }
                group.addTask {
                    guard let data = try await cache.read(CachePaths.record(key)), let record = ClipStore.Record.decoded(data),
                        record.problem(for: job.request, maxBytes: JobContext.largestClip(job.request)) == nil
                    else { return (job.id, nil) }
                    return (job.id, record.sha256)
                }
                return true
            }
            for _ in 0..<lookups where !add() { break }
            while let (job, sha) = try await group.next() {
                if let sha { found[job] = sha }
                _ = add()
            }
            return found
        }
    }
}
