import Foundation
import VeoCache
import VeoManifest
import VeoSupport

/// Cuts in the shared cache, like clips: a cut's record under `ac/` (keyed by the cut's key, which
/// depends only on its clips' bytes and settings) and its bytes under `cas/<sha256>`. Another
/// runner with the same clips takes the cut instead of encoding it again. A cut taken from the
/// cache is verified like one just encoded (an MP4 of the size, rate and length the recipe gives);
/// one that fails is a warning, and the cut is encoded here (encoding costs no money).
extension CutMaker {
    /// The remote key of a cut: apart from every job's (a job key never collides with it).
    static func remoteKey(_ key: String) -> String { SharedCacheOptions.remoteKey(key, origin: "cut") }

    /// The cut from the shared cache, in place at `destination`; nil on a miss or when what the
    /// cache holds is not this cut.
    func restoreShared(_ cut: PlannedCut, key: String, clips: [OutputRecord], to destination: String, relative: String) async throws -> CutOutcome.Output? {
        guard let shared else { return nil }
        let cache = shared.cache
        let recordPath = CachePaths.record(Self.remoteKey(key))
        let temp = AtomicFile.temporaryPath(for: destination)
        defer { unlink(temp) }
        do {
            guard let data = try await cache.read(recordPath) else { return nil }
            let recipe = CutRecipe(cut: cut, sources: try await recipeSources(clips))
            guard let record = try? JSONDecoder().decode(ClipStore.CutRecord.self, from: data), CachePaths.isSHA256(record.sha256),
                record.bytes > 0, record.bytes <= Self.largestCut(recipe)
            else { throw CacheError(.corrupted, cache: cache.name, "the record \(recordPath) is not one of this cut") }
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let object = CachePaths.object(record.sha256)
            guard let got = try await cache.download(object, to: temp, limits: DownloadLimits(maxBytes: record.bytes, timeout: .seconds(30 * 60))) else { return nil }
            guard got.sha256 == record.sha256, got.bytes == record.bytes, JobContext.hasMP4Signature(temp) else {
                throw CacheError(.corrupted, cache: cache.name, "the object \(object) is not the cut its record names")
            }
            let info = try await media.videoStream(temp)
            try Self.verify(info, recipe: recipe)
            try AtomicFile.move(temp, to: destination)
            return CutOutcome.Output(
                path: relative, bytes: got.bytes, sha256: got.sha256, duration: info.duration, width: info.width, height: info.height, fps: cut.fps)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            onEvent(.warning("cut \(cut.id): not taken from \(cache.name) (\(error)); encoding it here"))
            return nil
        }
    }

    /// Shares an encoded cut: its bytes (unless there), then its record. Never fails the cut: one
    /// not shared is counted.
    func shareCut(_ cut: PlannedCut, output: CutOutcome.Output, key: String, from file: String) async {
        guard let shared, !shared.readOnly else { return }
        let cache = shared.cache
        do {
            let object = CachePaths.object(output.sha256)
            if try await !cache.exists(object) {
                try await cache.upload(object, file: file, sha256: output.sha256, contentType: "video/mp4")
            }
            let record = ClipStore.CutRecord(
                sha256: output.sha256, bytes: output.bytes, width: output.width, height: output.height, fps: output.fps, duration: output.duration)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try await cache.write(CachePaths.record(Self.remoteKey(key)), try encoder.encode(record), contentType: "application/json", createOnly: cache.supportsCreateOnly)
            sharedTally?.counted(cut: true)
        } catch {
            sharedTally?.counted(cut: false)
            onEvent(.warning("cut \(cut.id): not shared: \(error)"))
        }
    }

    /// Bytes a cut of this recipe can reasonably be: 25 MB per second, at least 64 MB.
    static func largestCut(_ recipe: CutRecipe) -> Int64 {
        let seconds = max(0, min(recipe.expectedSeconds, 1_000_000))
        return max(64_000_000, Int64((seconds * 25_000_000).rounded(.up)))
    }
}
