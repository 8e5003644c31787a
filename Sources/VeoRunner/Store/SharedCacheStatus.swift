import Foundation
public import VeoCache
public import VeoManifest

/// `plan --cache`: which jobs the shared cache already holds (a run takes them at no cost).
public enum SharedCacheStatus {
    /// The jobs cached locally (`local`) or with a record in the shared cache. A job downstream of
    /// a hit gets its key from the hit's clip hash.
    public static func cachedJobs(plan: Plan, outDirectory: String, origin: String?, local: Set<String>, cache: any RemoteCache) async throws -> Set<String> {
        let layout = OutputLayout(root: outDirectory)
        let states = FileManager.default.fileExists(atPath: layout.journalPath) ? CacheStatus.keyStates(journalPath: layout.journalPath, origin: origin) : [:]
        var clipHash: [String: String] = [:]
        var fileHash: [String: String] = [:]
        var cached = Set<String>()
        for job in plan.jobs {
            for input in job.request.inputs {
                if case .file(let path, _) = input.source, fileHash[path] == nil { fileHash[path] = try? CacheKey.sha256(ofFile: path) }
            }
            guard let key = CacheKey.forJob(job, fileSHA: fileHash, clipSHA: clipHash) else { continue }
            if local.contains(job.id), let sha = states[key]?.output?.sha256 {
                (clipHash[job.id], _) = (sha, cached.insert(job.id))
            } else if let data = try await cache.read(CachePaths.record(SharedCacheOptions.remoteKey(key, origin: origin))),
                let record = try? JSONDecoder().decode(ClipStore.Record.self, from: data)
            {
                (clipHash[job.id], _) = (record.sha256, cached.insert(job.id))
            }
        }
        return cached
    }
}
