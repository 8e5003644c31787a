import Foundation
public import VeoManifest
public import VeoReport

/// What a run would do with each job of a plan, read from the output folder without changing
/// anything: take it from the folder (no API call), resume it by its recorded video id (no new
/// create request), hold it back as an ambiguous submission, or render it (and pay for it).
public enum CacheStatus {
    public enum JobState: Sendable, Hashable {
        case cached
        case resumes
        case ambiguous
        case toRender
    }

    /// What an output folder holds for a plan, read once: the journal's state per content key, the
    /// jobs a run would take from the folder, and the cuts it would take from the folder's store.
    public struct Folder: Sendable {
        public var keys: [String: KeyState]
        public var cachedJobs: Set<String>
        public var cachedCuts: Set<String>
    }

    /// nil when the folder has no journal (nothing rendered there yet).
    public static func read(plan: Plan, outDirectory: String, origin: String? = nil) -> Folder? {
        let layout = OutputLayout(root: outDirectory)
        guard FileManager.default.fileExists(atPath: layout.journalPath) else { return nil }
        let keys = keyStates(journalPath: layout.journalPath, origin: origin)
        let (states, clips) = jobStatesAndClips(plan: plan, layout: layout, keys: keys, forced: [])
        return Folder(
            keys: keys, cachedJobs: Set(states.filter { $0.value == .cached }.keys),
            cachedCuts: cachedCuts(plan: plan, store: ClipStore(layout: layout), clips: clips))
    }

    /// The journal's state per content key, for `origin`'s entries.
    public static func keyStates(journalPath: String, origin: String?) -> [String: KeyState] {
        var states: [String: KeyState] = [:]
        for entry in Journal.read(path: journalPath) where Journal.matches(entry, origin) {
            Journal.apply(entry, to: &states)
        }
        return states
    }

    /// Each job's state. A job downstream of one that must render has a key no one knows yet:
    /// it renders too.
    public static func jobStates(plan: Plan, layout: OutputLayout, keys states: [String: KeyState], forced: Set<String> = []) -> [String: JobState] {
        jobStatesAndClips(plan: plan, layout: layout, keys: states, forced: forced).states
    }

    /// Cuts a run would take from the folder's store: all their clips cached (`clips`: job → the
    /// sha256 of its cached clip), and the cut of those clips kept.
    static func cachedCuts(plan: Plan, store: ClipStore, clips: [String: String]) -> Set<String> {
        var cached = Set<String>()
        for cut in plan.cuts {
            let shas = cut.clips.compactMap { clips[$0.job] }
            guard shas.count == cut.clips.count, let record = store.cutRecord(CutRecipe.key(of: cut, clipSHA256s: shas)),
                store.has(record.asOutputRecord(path: ""))
            else { continue }
            cached.insert(cut.id)
        }
        return cached
    }

    static func jobStatesAndClips(
        plan: Plan, layout: OutputLayout, keys states: [String: KeyState], forced: Set<String>
    ) -> (states: [String: JobState], clips: [String: String]) {
        let store = ClipStore(layout: layout)
        var clipHash: [String: String] = [:]  // job → sha256 of its cached clip
        var fileHash: [String: String] = [:]
        var result: [String: JobState] = [:]
        for job in plan.jobs {  // dependencies come first
            for input in job.request.inputs {
                if case .file(let path, _) = input.source, fileHash[path] == nil {
                    fileHash[path] = try? CacheKey.sha256(ofFile: path)
                }
            }
            guard let key = CacheKey.forJob(job, fileSHA: fileHash, clipSHA: clipHash), let state = states[key] else {
                result[job.id] = .toRender
                continue
            }
            if !forced.contains(job.id), let output = state.output, let path = try? layout.absolute(output.path),
                OutputLayout.intact(output, at: path) || store.has(output)
            {
                result[job.id] = .cached
                clipHash[job.id] = output.sha256
            } else if state.pendingVideoID != nil {
                result[job.id] = .resumes
            } else if state.ambiguous != nil {
                result[job.id] = .ambiguous
            } else {
                result[job.id] = .toRender
            }
        }
        return (result, clipHash)
    }
}
