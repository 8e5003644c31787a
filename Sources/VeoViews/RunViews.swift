import Foundation
public import VeoManifest
public import VeoRunner
import VeoProvider
import VeoSupport

/// The views of a finished run, all made from its report (`<out>/report.json`), so that `run`
/// and `veo-pipeline report OUT_DIR` write the same thing.
public enum RunViews {
    public static let contactSheetName = "index.html"

    /// Makes the missing thumbnails and writes `<out>/index.html` atomically; returns its path.
    /// `imageFiles` maps the sha256 of input images to files they can be read from (the run knows
    /// them; `report` finds them beside the manifest).
    @discardableResult
    public static func writeContactSheet(
        report: RunReport, outDirectory: String, imageFiles: [String: String] = [:], media: MediaTools = MediaTools(),
        concurrency: Int = 4, prices: PriceTable = .defaults
    ) async throws -> String {
        let layout = OutputLayout(root: outDirectory)
        let maker = ThumbnailMaker(outDirectory: layout.root, media: media, concurrency: concurrency)
        let thumbnails = await maker.make(clips: clips(of: report, in: layout), images: images(of: report, in: layout, files: imageFiles))
        let html = ContactSheet(report: report, thumbnails: thumbnails, prices: prices).html()
        let path = layout.root + "/" + contactSheetName
        try AtomicFile.write(Array(html.utf8), to: path)
        return path
    }

    static func clips(of report: RunReport, in layout: OutputLayout) -> [ThumbnailMaker.Clip] {
        let jobs = report.jobs.compactMap { job -> ThumbnailMaker.Clip? in
            guard let output = job.output, let path = try? layout.absolute(output.path) else { return nil }
            return ThumbnailMaker.Clip(sha256: output.sha256, path: path, seconds: job.request.seconds)
        }
        let cuts = (report.cuts ?? []).compactMap { cut -> ThumbnailMaker.Clip? in
            guard let output = cut.output, let path = try? layout.absolute(output.path) else { return nil }
            return ThumbnailMaker.Clip(sha256: output.sha256, path: path, seconds: Int(output.duration.rounded(.up)))
        }
        return jobs + cuts
    }

    /// Every input image with a known sha256: frames from `<out>/frames/`, files from `files`, or
    /// else from beside the manifest when the file there still has the recorded content.
    static func images(of report: RunReport, in layout: OutputLayout, files: [String: String]) -> [ThumbnailMaker.Image] {
        let manifestFolder = (FilePaths.resolve(report.manifest.path, against: FileManager.default.currentDirectoryPath) as NSString)
            .deletingLastPathComponent
        var images: [ThumbnailMaker.Image] = []
        for input in report.jobs.flatMap(\.request.inputs) {
            guard let sha = input.sha256 else { continue }
            if let known = files[sha] {
                images.append(.init(sha256: sha, path: known))
            } else if ImageSource.Kind(written: input.kind) == .job, let frame = FramePosition(rawValue: input.frame ?? "") {
                images.append(.init(sha256: sha, path: layout.framePath(job: input.source, frame: frame)))
            } else if input.kind == "file" {
                let path = FilePaths.resolve(input.source, against: manifestFolder)
                if (try? CacheKey.sha256(ofFile: path)) == sha { images.append(.init(sha256: sha, path: path)) }
            }
        }
        return images
    }

    /// The input files a run read, by sha256, for `writeContactSheet`.
    public static func imageFiles(of result: RunResult) -> [String: String] {
        var files: [String: String] = [:]
        for input in result.outcomes.flatMap(\.inputs) {
            if case .file(let path, _) = input.source, let sha = input.sha256 { files[sha] = path }
        }
        return files
    }
}
