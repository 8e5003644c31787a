import Crypto
import Foundation
import Synchronization
public import VeoCache
import VeoClient
import VeoManifest
import VeoSupport

/// The shared cache of a run (`--cache`), and how the run may use it.
public struct SharedCacheOptions: Sendable {
    public var cache: any RemoteCache
    /// Read records, write nothing, submit nothing another runner has claimed (`--cache-read-only`).
    public var readOnly = false
    /// A corrupted object is a warning and a miss, not a failure (`--cache-optional`).
    public var optional = false
    /// Names this runner in its claims.
    public var runnerID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"

    public init(cache: any RemoteCache) {
        self.cache = cache
    }

    /// The key of a job in the shared cache: its content key and the API that renders it, so test
    /// patterns of the emulator and video ids of another server are never taken for this one's.
    public static func remoteKey(_ key: String, origin: String?) -> String {
        guard let origin else { return key }
        return SHA256.hash(data: Data("\(origin)\n\(key)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A claim in the shared cache (`claims/<key>`): who submits the job, and once the provider has
/// answered, the video id any runner can follow at no cost.
struct Claim: Codable, Sendable {
    var runner: String
    var createdAt: Date
    var videoID: String?

    enum CodingKeys: String, CodingKey {
        case runner
        case createdAt = "created_at"
        case videoID = "video_id"
    }
}

/// What a job does after the claims were consulted.
enum Coordination {
    /// Submit it (this runner holds the claim when `claimed`).
    case submit(claimed: Bool)
    /// Another runner submitted it: poll and download its video id.
    case follow(String)
    /// Another runner finished it: its clip, put in place from the shared cache.
    case cached(OutputRecord, videoID: String?)
}

extension JobContext {
    private func remoteKey(_ key: String) -> String { SharedCacheOptions.remoteKey(key, origin: options.origin) }

    private static let jsonCoder: (JSONEncoder, JSONDecoder) = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (encoder, decoder)
    }()

    // MARK: - 3a. Claims

    /// The shared cache before anything is paid: the job's record (a hit is taken from there), and
    /// with claims, the claim. A job that misses pays one round trip: its claim goes out with the
    /// lookup, not after it. Only after a hit (the run's last lookup hit: a restore) does the claim
    /// wait for the lookup's answer, so taking jobs from the cache sends no claims at all.
    func consultSharedCache(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState) async throws -> Coordination {
        guard options.sharedCache != nil else { return .submit(claimed: false) }
        async let early = claimWithLookup(job, resolved, state: state)
        let hit: (OutputRecord, String?)?
        do {
            hit = try await lookUpSharedCache(job, resolved: resolved)
        } catch {
            if (try? await early) == true { await releaseClaim(resolved) }
            throw error
        }
        sharedLookups.lastMissed = hit == nil
        let claimed: Bool?
        do {
            claimed = try await early
        } catch let error as CacheError {
            guard let hit else { throw JobFailure(.cacheFailed, error.description) }
            return .cached(hit.0, videoID: hit.1)
        }
        if let hit {
            // Another runner's record: the claim made beside the lookup goes again.
            if claimed == true { await releaseClaim(resolved) }
            return .cached(hit.0, videoID: hit.1)
        }
        return claimed == true ? .submit(claimed: true) : try await coordinate(job, resolved: resolved, state: state, claimTried: claimed != nil)
    }

    /// Whether this runner may claim the job: claims on the cache, not read-only, and nothing the
    /// local journal resumes.
    private func mayClaim(_ state: KeyState) -> Bool {
        guard let shared = options.sharedCache else { return false }
        return shared.cache.supportsCreateOnly && !shared.readOnly && state.pendingVideoID == nil && state.output == nil
    }

    /// The claim sent beside the lookup (nil: not sent, because the run's last lookup hit).
    private func claimWithLookup(_ job: PlannedJob, _ resolved: ResolvedJob, state: KeyState) async throws -> Bool? {
        guard mayClaim(state), sharedLookups.lastMissed else { return nil }
        return try await writeClaim(job, resolved)
    }

    /// This runner's claim, create-only (false when another runner holds it) or over another's
    /// (`createOnly: false`). The journal records it first, flushed: a later run in this folder
    /// then knows the claim for its own if this run dies before the provider answers.
    private func writeClaim(_ job: PlannedJob, _ resolved: ResolvedJob, createOnly: Bool = true) async throws -> Bool {
        guard let shared = options.sharedCache else { return false }
        var entry = JournalEntry(event: .claimed, key: resolved.key, job: job.id)
        entry.runner = shared.runnerID
        try await journal.append(entry)
        let mine = Claim(runner: shared.runnerID, createdAt: Date(), videoID: nil)
        return try await shared.cache.write(
            CachePaths.claim(remoteKey(resolved.key)), try Self.jsonCoder.0.encode(mine), contentType: "application/json", createOnly: createOnly)
    }

    /// Before the first create request: claim the job (create-only), or, when another runner holds
    /// the claim, wait for its record or follow its video id. Never submits what another runner
    /// claimed. A claim this folder made in an earlier run (its journal says so) is no other
    /// runner's: that run is dead, since this one holds the folder's lock. `claimTried`: the claim
    /// sent beside the lookup found one already there.
    func coordinate(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState, claimTried: Bool = false) async throws -> Coordination {
        guard let shared = options.sharedCache, shared.cache.supportsCreateOnly, state.pendingVideoID == nil, state.output == nil else {
            return .submit(claimed: false)
        }
        let (cache, path) = (shared.cache, CachePaths.claim(remoteKey(resolved.key)))
        var claimNow = !claimTried
        var notice = WaitNotice()
        do {
            while true {
                try Task.checkCancellation()
                if !shared.readOnly && claimNow, try await writeClaim(job, resolved) {
                    return .submit(claimed: true)
                }
                claimNow = true
                guard let data = try await cache.read(path) else {
                    if shared.readOnly { return .submit(claimed: false) }
                    continue  // released between the two requests: claim again
                }
                if let hit = try await lookUpSharedCache(job, resolved: resolved) { return .cached(hit.0, videoID: hit.1) }
                let claim = try? Self.jsonCoder.1.decode(Claim.self, from: data)
                if let video = claim?.videoID {
                    guard VideoID.isValid(video) else {
                        throw CacheError(.corrupted, cache: cache.name, "the claim \(path) names a video id no provider gives; not followed")
                    }
                    try await journal.append(JournalEntry(event: .submitted, key: resolved.key, job: job.id, videoID: video, submittedAt: claim?.createdAt))
                    onEvent(.submitted(job: job.id, videoID: video, resumed: true))
                    return .follow(video)
                }
                if let claim, state.claimedAs.contains(claim.runner), !shared.readOnly {
                    return try await ownDeadClaim(job, resolved: resolved, state: state)
                }
                let age = Date().timeIntervalSince(claim?.createdAt ?? .distantPast)
                let runner = Self.printable(claim?.runner ?? "unknown")
                if age > options.jobTimeout.seconds {
                    guard options.resubmitAmbiguous, !shared.readOnly else {
                        throw JobFailure(.ambiguousSubmission, """
                            another runner (\(runner)) claimed this job in \(cache.name) \(String(format: "%.0f", age)) s ago and never \
                            recorded a video id: it may have been killed while its create request was out, so the provider may be \
                            rendering (and billing) it. Not sent again; to submit it anyway, run with --resubmit-ambiguous.
                            """)
                    }
                    _ = try await writeClaim(job, resolved, createOnly: false)
                    return .submit(claimed: true)
                }
                tellWaiting(job, runner: runner, age: age, notice: &notice)
                try await Task.sleep(for: options.pollInterval)
            }
        } catch let error as CacheError {
            throw JobFailure(.cacheFailed, error.description)
        }
    }

    /// A claim without a video id that an earlier run in this folder made and died holding. With
    /// no open `submitting` line, no create request went out: the claim becomes this run's and the
    /// job is submitted. With one, the job is reported as ambiguous at once (by `submitOrResume`,
    /// as without a cache), unless `--resubmit-ambiguous`.
    private func ownDeadClaim(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState) async throws -> Coordination {
        if state.ambiguous != nil && !options.resubmitAmbiguous { return .submit(claimed: false) }
        _ = try await writeClaim(job, resolved, createOnly: false)
        return .submit(claimed: true)
    }

    /// When a job last said it waits for another runner's claim.
    struct WaitNotice {
        var told: ContinuousClock.Instant?
    }

    /// Says that a job waits for another runner's claim: on the live line each time, and as a line
    /// of its own (shown in plain and CI output too) when the wait begins and once a minute after.
    private func tellWaiting(_ job: PlannedJob, runner: String, age: Double, notice: inout WaitNotice) {
        onEvent(.progress(job: job.id, status: "claimed by another runner, waiting", percent: nil))
        let now = ContinuousClock.now
        if let told = notice.told, now - told < .seconds(60) { return }
        notice.told = now
        let left = max(0, options.jobTimeout.seconds - age)
        onEvent(.warning(String(
            format: "%@: claimed by another runner (%@) %.0f s ago; waiting up to %.0f s more for its clip or video id (--job-timeout)",
            job.id, runner, age, left)))
    }

    /// Text from a claim, fit for a message: printable ASCII only, at most 120 characters.
    static func printable(_ text: String) -> String {
        let kept = text.unicodeScalars.prefix(120).map { (0x20..<0x7F).contains($0.value) ? Character($0) : "?" }
        return String(kept) + (text.unicodeScalars.count > 120 ? "…" : "")
    }

    /// The provider answered: the claim gets the video id, so any runner can finish the job.
    func completeClaim(_ resolved: ResolvedJob, videoID: String, claimedAt: Date?) async {
        guard let shared = options.sharedCache, !shared.readOnly else { return }
        let claim = Claim(runner: shared.runnerID, createdAt: claimedAt ?? Date(), videoID: videoID)
        do {
            _ = try await shared.cache.write(
                CachePaths.claim(remoteKey(resolved.key)), try Self.jsonCoder.0.encode(claim), contentType: "application/json", createOnly: false)
        } catch {
            onEvent(.warning("cannot add video \(videoID) to the claim in \(shared.cache.name): \(error)"))
        }
    }

    /// Whether a failure of `submitOrResume` proves no create request was taken (the same rule as the
    /// spending ledger's release).
    static func provablyNeverCreated(_ error: any Error) -> Bool {
        error is OverBudgetSkip || (error as? JobFailure)?.code.provablyNotTaken == true
    }

    /// Removes this runner's claim of a job it did not submit after all.
    func releaseClaim(_ resolved: ResolvedJob) async {
        guard let shared = options.sharedCache, shared.cache.supportsCreateOnly, !shared.readOnly else { return }
        do {
            try await shared.cache.remove(CachePaths.claim(remoteKey(resolved.key)))
        } catch {
            onEvent(.warning("cannot remove the claim of a job not submitted from \(shared.cache.name): \(error)"))
        }
    }

    /// A job that follows another runner's video id: resumed by it, no create request.
    func following(_ videoID: String, resolved: ResolvedJob) -> Submitted {
        Submitted(submission: Submission(videoID: videoID, submittedAt: nil, attempts: 0, resumed: true, inputs: resolved.inputs), outputLost: false)
    }

    // MARK: - 6b. Share

    /// Uploads the verified clip (`cas/<sha256>`, streamed from the file, skipped when there) and
    /// then its record (`ac/<key>`, create-only where the cache allows). Never fails the job: a
    /// clip not shared is counted (the summary, the report and the exit status say so).
    func share(_ job: PlannedJob, key: String, videoID: String, output: OutputRecord) async {
        guard let shared = options.sharedCache, !shared.readOnly else { return }
        let cache = shared.cache
        do {
            let clip = try layout.absolute(output.path)
            let object = CachePaths.object(output.sha256)
            if try await !cache.exists(object) {
                try await cache.upload(object, file: clip, sha256: output.sha256, contentType: "video/mp4")
            }
            let record = ClipStore.Record(
                sha256: output.sha256, bytes: output.bytes, width: output.width, height: output.height, duration: output.duration,
                model: job.request.model.rawValue, videoID: videoID)
            try await cache.write(CachePaths.record(remoteKey(key)), try Self.jsonCoder.0.encode(record), contentType: "application/json", createOnly: cache.supportsCreateOnly)
            sharedLookups.counted(clip: true)
        } catch {
            sharedLookups.counted(clip: false)
            onEvent(.warning("\(job.id): the clip was not shared: \(error)"))
        }
    }
}

/// The shared cache's side of a run: whether its last lookup missed (then the next job's claim
/// goes out with its lookup; at the start it is as if one had missed), and what it shared.
final class SharedCacheTally: Sendable {
    private let missed = Mutex(true)
    private let shares = Mutex(SharingTotals())

    var lastMissed: Bool {
        get { missed.withLock { $0 } }
        set { missed.withLock { $0 = newValue } }
    }

    func counted(clip shared: Bool) {
        shares.withLock { shared ? ($0.clipsShared += 1) : ($0.clipsNotShared += 1) }
    }

    func counted(cut shared: Bool) {
        shares.withLock { shared ? ($0.cutsShared += 1) : ($0.cutsNotShared += 1) }
    }

    var totals: SharingTotals { shares.withLock { $0 } }
}

/// What a run put in the shared cache: clips (and cuts) it made and shared, and those it could
/// not share (every upload failed): the next runner pays for those again.
public struct SharingTotals: Sendable, Hashable, Codable {
    public var cache = ""
    public var clipsShared = 0
    public var clipsNotShared = 0
    public var cutsShared = 0
    public var cutsNotShared = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case cache
        case clipsShared = "clips_shared"
        case clipsNotShared = "clips_not_shared"
        case cutsShared = "cuts_shared"
        case cutsNotShared = "cuts_not_shared"
    }

    /// Clips and cuts not shared.
    public var failures: Int { clipsNotShared + cutsNotShared }

    /// `0 of 12 clips shared`, with the cuts when there were any.
    public var sentence: String {
        var text = "\(clipsShared) of \(clipsShared + clipsNotShared) clip\(clipsShared + clipsNotShared == 1 ? "" : "s") shared"
        if cutsShared + cutsNotShared > 0 { text += ", \(cutsShared) of \(cutsShared + cutsNotShared) cut\(cutsShared + cutsNotShared == 1 ? "" : "s")" }
        return text + " with \(cache)"
    }
}
