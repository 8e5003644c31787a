import Foundation
import VeoManifest
import VeoSupport
import VeoReport
import VeoMedia

/// Makes one cut once its clips are ready: from the folder's store when a cut with the same key
/// (the same clips and settings) was encoded before, else with ffmpeg, verified, then kept.
/// Written beside `cuts/<id>.mp4` and renamed into place: a killed run leaves no partial cut
/// under its final name.
struct CutMaker: Sendable {
    let layout: OutputLayout
    let media: MediaTools
    let onEvent: @Sendable (RunEvent) -> Void
    var store: ClipStore { ClipStore(layout: layout) }

    /// `clips`: the outcome of each job the cut uses, all succeeded. `force` encodes again even
    /// when the store holds the cut.
    func make(_ cut: PlannedCut, clips: [String: JobOutcome], force: Bool = false) async -> CutOutcome {
        let outputs = cut.clips.map { clips[$0.job]?.output }
        let used = zip(cut.clips, outputs).map { CutOutcome.UsedClip(job: $0.job, sha256: $1?.sha256) }
        var outcome = CutOutcome(cut: cut, status: .failed, clips: used)
        let sources = outputs.compactMap { $0 }
        guard sources.count == cut.clips.count else {
            return failed(outcome, "a clip it uses has no verified file")
        }
        let key = CutRecipe.key(of: cut, clipSHA256s: sources.map(\.sha256))
        outcome.key = key
        let relative = "cuts/\(cut.id).mp4"
        let destination: String
        do {
            destination = try layout.absolute(relative)
        } catch {
            return failed(outcome, "\(error)")
        }
        if !force, let kept = store.cutRecord(key), store.restore(kept.asOutputRecord(path: relative), to: destination, unlessIntact: true) {
            outcome.status = .succeeded
            outcome.cached = true
            outcome.output = CutOutcome.Output(
                path: relative, bytes: kept.bytes, sha256: kept.sha256, duration: kept.duration, width: kept.width, height: kept.height, fps: kept.fps)
            onEvent(.cutDone(cut: cut.id, path: relative, cached: true, seconds: nil))
            return outcome
        }
        onEvent(.cutting(cut: cut.id))
        do {
            let started = ContinuousClock.now
            let output = try await encode(cut, clips: sources, to: destination, relative: relative)
            outcome.encodeSeconds = (ContinuousClock.now - started).seconds
            outcome.output = output
            outcome.status = .succeeded
            store.keepCut(destination, output: output, key: key)
            onEvent(.cutDone(cut: cut.id, path: relative, cached: false, seconds: outcome.encodeSeconds))
            return outcome
        } catch is CancellationError {
            return .skipped(cut, because: Self.interruptedReason, cause: .interrupted, clips: used)
        } catch {
            if Task.isCancelled { return .skipped(cut, because: Self.interruptedReason, cause: .interrupted, clips: used) }
            return failed(outcome, "\(error)")
        }
    }

    static let interruptedReason = "interrupted while it was being encoded; the next run makes it"

    private func failed(_ outcome: CutOutcome, _ message: String) -> CutOutcome {
        var outcome = outcome
        outcome.status = .failed
        outcome.failure = message
        onEvent(.cutFailed(cut: outcome.cut.id, message: message))
        return outcome
    }

    /// Encodes beside the destination, checks size, rate and length, then renames it into place.
    private func encode(_ cut: PlannedCut, clips: [OutputRecord], to destination: String, relative: String) async throws -> CutOutcome.Output {
        var sources: [CutRecipe.Source] = []
        for clip in clips {
            // Read from the MP4 header (no process per clip), else asked of ffprobe.
            let path = try layout.absolute(clip.path)
            if let hasAudio = MP4Header.hasAudio(path), clip.duration > 0 {
                sources.append(CutRecipe.Source(path: path, duration: clip.duration, hasAudio: hasAudio))
            } else {
                let info = try await media.videoStream(path)
                sources.append(CutRecipe.Source(path: path, duration: info.duration > 0 ? info.duration : clip.duration, hasAudio: info.hasAudio))
            }
        }
        let recipe = CutRecipe(cut: cut, sources: sources)
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temp = AtomicFile.temporaryPath(for: destination)
        unlink(temp)
        // A cut of hundreds of clips has a filter graph too long for one argument: a file beside it.
        let (arguments, graphFile) = recipe.invocation(output: temp)
        defer { if let graphFile { unlink(graphFile.path) } }
        do {
            if let graphFile { try Data(graphFile.graph.utf8).write(to: URL(fileURLWithPath: graphFile.path)) }
            try await media.ffmpeg(arguments)
            try Task.checkCancellation()
            let info = try await media.videoStream(temp)
            try Self.verify(info, recipe: recipe)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: temp))?[.size] as? NSNumber)?.int64Value ?? 0
            let sha = try CacheKey.sha256(ofFile: temp)
            try AtomicFile.move(temp, to: destination)
            return CutOutcome.Output(
                path: relative, bytes: bytes, sha256: sha, duration: info.duration, width: info.width, height: info.height, fps: cut.fps)
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// The encoded cut has the size and rate asked for, and its length is the clips' (trimmed)
    /// lengths less the fades, within one frame.
    static func verify(_ info: MediaTools.VideoStreamInfo, recipe: CutRecipe) throws {
        let cut = recipe.cut
        var problems: [String] = []
        if info.width != cut.size.width || info.height != cut.size.height {
            problems.append("it is \(info.width)x\(info.height), not \(cut.size)")
        }
        if abs(info.fps - Double(cut.fps)) > 0.01 {
            problems.append("it runs at \(CutRecipe.number(info.fps)) fps, not \(cut.fps)")
        }
        let frame = 1 / Double(cut.fps)
        if abs(info.duration - recipe.expectedSeconds) > frame + 0.001 {
            problems.append("it lasts \(CutRecipe.number(info.duration)) s, not \(CutRecipe.number(recipe.expectedSeconds)) s")
        }
        guard problems.isEmpty else {
            throw MediaTools.ToolError(description: "the encoded cut is wrong: \(problems.joined(separator: "; ")); it was not kept")
        }
    }
}
