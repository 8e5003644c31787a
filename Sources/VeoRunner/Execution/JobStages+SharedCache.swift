import Crypto
import Foundation
import Synchronization
public import VeoCache
import VeoClient
import VeoManifest
import VeoSupport
import VeoReport

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

    // MARK: - 2b. Look up the shared cache

    /// The clip the shared cache holds for this job: downloaded (streamed) beside its path, its
    /// sha256 checked, moved into place, journaled and kept like a local cache hit. No API call.
    func lookUpSharedCache(_ job: PlannedJob, resolved: ResolvedJob) async throws -> (OutputRecord, String?)? {
        guard let shared = options.sharedCache else { return nil }
        let cache = shared.cache
        do {
            guard let data = try await cache.read(CachePaths.record(remoteKey(resolved.key))) else { return nil }
            guard let record = try? Self.jsonCoder.1.decode(ClipStore.Record.self, from: data) else {
                throw CacheError(.corrupted, cache: cache.name, "the record \(CachePaths.record(remoteKey(resolved.key))) is not a clip record")
            }
            let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
            let clipPath = try layout.absolute(relativePath)
            let incoming = try layout.incomingPath(for: clipPath)
            defer { try? FileManager.default.removeItem(atPath: incoming) }
            let object = CachePaths.object(record.sha256)
            guard let got = try await cache.download(object, to: incoming) else { return nil }
            guard got.sha256 == record.sha256, got.bytes == record.bytes else {
                throw CacheError(.corrupted, cache: cache.name, "the object \(object) is corrupted (\(got.bytes) bytes hashing to \(got.sha256)); not used")
            }
            try AtomicFile.move(incoming, to: clipPath)
            let output = OutputRecord(
                path: relativePath, bytes: record.bytes, sha256: record.sha256, width: record.width, height: record.height,
                duration: record.duration, mtime: OutputLayout.mtime(clipPath))
            try await journal.append(JournalEntry(event: .completed, key: resolved.key, job: job.id, videoID: record.videoID, output: output))
            store.keep(clipPath, output: output, key: resolved.key, model: record.model, videoID: record.videoID)
            return (output, record.videoID)
        } catch let error as CacheError {
            guard shared.optional else { throw JobFailure(.cacheFailed, error.description) }
            onEvent(.warning("\(error.description); going on without it (--cache-optional)"))
            return nil
        }
    }

    // MARK: - 3a. Claims

    /// The shared cache before anything is paid: the job's record (a hit is taken from there), and
    /// with claims, the claim. A job that misses pays one round trip: its claim goes out with the
    /// lookup, not after it. Only after a hit (the run's last lookup hit: a restore) does the claim
    /// wait for the lookup's answer, so taking jobs from the cache sends no claims at all.
    func consultSharedCache(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState) async throws -> Coordination {
        guard options.sharedCache != nil else { return .submit(claimed: false) }
        async let early = claimWithLookup(resolved, state: state)
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
    private func claimWithLookup(_ resolved: ResolvedJob, state: KeyState) async throws -> Bool? {
        guard mayClaim(state), sharedLookups.lastMissed else { return nil }
        return try await writeClaim(resolved)
    }

    /// This runner's claim, create-only: false when another runner holds it.
    private func writeClaim(_ resolved: ResolvedJob) async throws -> Bool {
        guard let shared = options.sharedCache else { return false }
        let mine = Claim(runner: shared.runnerID, createdAt: Date(), videoID: nil)
        return try await shared.cache.write(
            CachePaths.claim(remoteKey(resolved.key)), try Self.jsonCoder.0.encode(mine), contentType: "application/json", createOnly: true)
    }

    /// Before the first create request: claim the job (create-only), or, when another runner holds
    /// the claim, wait for its record or follow its video id. Never submits what another runner
    /// claimed. `claimTried`: the claim sent beside the lookup found another runner's.
    func coordinate(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState, claimTried: Bool = false) async throws -> Coordination {
        guard let shared = options.sharedCache, shared.cache.supportsCreateOnly, state.pendingVideoID == nil, state.output == nil else {
            return .submit(claimed: false)
        }
        let (cache, path) = (shared.cache, CachePaths.claim(remoteKey(resolved.key)))
        var claimNow = !claimTried
        do {
            while true {
                try Task.checkCancellation()
                if !shared.readOnly && claimNow, try await writeClaim(resolved) {
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
                    try await journal.append(JournalEntry(event: .submitted, key: resolved.key, job: job.id, videoID: video, submittedAt: claim?.createdAt))
                    onEvent(.submitted(job: job.id, videoID: video, resumed: true))
                    return .follow(video)
                }
                let age = Date().timeIntervalSince(claim?.createdAt ?? .distantPast)
                if age > options.jobTimeout.seconds {
                    guard options.resubmitAmbiguous, !shared.readOnly else {
                        throw JobFailure(.ambiguousSubmission, """
                            another runner (\(claim?.runner ?? "unknown")) claimed this job in \(cache.name) \(Int(age)) s ago and never \
                            recorded a video id: it may have been killed while its create request was out, so the provider may be \
                            rendering (and billing) it. Not sent again; to submit it anyway, run with --resubmit-ambiguous.
                            """)
                    }
                    _ = try await cache.write(path, try Self.jsonCoder.0.encode(Claim(runner: shared.runnerID, createdAt: Date())), contentType: "application/json", createOnly: false)
                    return .submit(claimed: true)
                }
                onEvent(.progress(job: job.id, status: "claimed by another runner, waiting", percent: nil))
                try await Task.sleep(for: options.pollInterval)
            }
        } catch let error as CacheError {
            throw JobFailure(.cacheFailed, error.description)
        }
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
    /// then its record (`ac/<key>`, create-only where the cache allows). Never fails the job.
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
        } catch {
            onEvent(.warning("\(job.id): the clip was not shared: \(error)"))
        }
    }
}

/// Whether the run's last lookup in the shared cache missed: then the next job's claim goes out
/// with its lookup. At the start it is as if one had missed.
final class LookupTally: Sendable {
    private let missed = Mutex(true)

    var lastMissed: Bool {
        get { missed.withLock { $0 } }
        set { missed.withLock { $0 = newValue } }
    }
}
