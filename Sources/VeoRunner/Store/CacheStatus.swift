import Foundation
public import VeoManifest

/// Which jobs of a plan a run would take from the output folder without any API call. Reads the
/// journal without changing it.
public enum CacheStatus {
    /// nil when the folder has no journal (nothing rendered there yet).
    public static func cachedJobs(plan: Plan, outDirectory: String, origin: String? = nil) -> Set<String>? {
        let layout = OutputLayout(root: outDirectory)
        guard FileManager.default.fileExists(atPath: layout.journalPath) else { return nil }
        var states: [String: KeyState] = [:]
        for entry in Journal.read(path: layout.journalPath) where Journal.matches(entry, origin) {
            Journal.apply(entry, to: &states)
        }
        let store = ClipStore(layout: layout)
        var clipHash: [String: String] = [:]  // job → sha256 of its cached clip
        var fileHash: [String: String] = [:]
        var cached = Set<String>()
        for job in plan.jobs {  // dependencies come first
            for input in job.request.inputs {
                if case .file(let path, _) = input.source, fileHash[path] == nil {
                    fileHash[path] = try? CacheKey.sha256(ofFile: path)
                }
            }
            guard let key = CacheKey.forJob(job, fileSHA: fileHash, clipSHA: clipHash) else { continue }
            guard let output = states[key]?.output, let path = try? layout.absolute(output.path),
                OutputLayout.intact(output, at: path) || store.has(output)
            else { continue }
            cached.insert(job.id)
            clipHash[job.id] = output.sha256
        }
        return cached
    }
}
