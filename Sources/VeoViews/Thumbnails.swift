import Foundation
import VeoReport
public import VeoMedia
import VeoSupport

/// Stills made from the run's clips and input images, under `<out>/thumbs/`, named by the sha256
/// of their source's content: made once per content, reused by every later run and `report`.
public struct Thumbnails: Sendable, Hashable {
    /// clip sha256 → relative path of its poster still.
    public var posters: [String: String] = [:]
    /// clip sha256 → relative path of its strip of frames (one per second, side by side).
    public var strips: [String: String] = [:]
    /// image sha256 → relative path of its thumbnail.
    public var images: [String: String] = [:]

    public init() {}

    public static let folder = "thumbs"
    static func posterPath(_ sha: String) -> String { "\(folder)/\(sha).poster.jpg" }
    static func stripPath(_ sha: String) -> String { "\(folder)/\(sha).strip.jpg" }
    static func imagePath(_ sha: String) -> String { "\(folder)/\(sha).thumb.jpg" }
}

/// Makes the thumbnails a report needs that are not there yet, at most `concurrency` ffmpeg
/// processes at a time. A still that cannot be made is left out (the page shows the clip without it).
public struct ThumbnailMaker: Sendable {
    public struct Clip: Sendable, Hashable {
        public var sha256: String
        public var path: String
        public var seconds: Int
        public init(sha256: String, path: String, seconds: Int) {
            self.sha256 = sha256
            self.path = path
            self.seconds = seconds
        }
    }

    public struct Image: Sendable, Hashable {
        public var sha256: String
        public var path: String
        public init(sha256: String, path: String) {
            self.sha256 = sha256
            self.path = path
        }
    }

    let outDirectory: String
    let media: MediaTools
    let concurrency: Int

    public init(outDirectory: String, media: MediaTools = MediaTools(), concurrency: Int = 4) {
        self.outDirectory = outDirectory
        self.media = media
        self.concurrency = max(1, concurrency)
    }

    public func make(clips: [Clip], images: [Image]) async -> Thumbnails {
        try? FileManager.default.createDirectory(atPath: outDirectory + "/" + Thumbnails.folder, withIntermediateDirectories: true)
        var work: [Still] = []
        // Stills are named by content: clips (or images) with the same content share them, and
        // each is made once (made by several at once, they would race to the same file).
        let present = clips.filter { FileManager.default.fileExists(atPath: $0.path) }
        for clip in Self.oneEach(present + clips, by: \.sha256) {
            work.append(Still(kind: .poster, sha: clip.sha256, source: clip.path, seconds: clip.seconds))
            work.append(Still(kind: .strip, sha: clip.sha256, source: clip.path, seconds: clip.seconds))
        }
        for image in Self.oneEach(images, by: \.sha256) {
            work.append(Still(kind: .image, sha: image.sha256, source: image.path, seconds: 0))
        }
        var thumbnails = Thumbnails()
        for still in await makeAll(work) {
            switch still.kind {
            case .poster: thumbnails.posters[still.sha] = still.relativePath
            case .strip: thumbnails.strips[still.sha] = still.relativePath
            case .image: thumbnails.images[still.sha] = still.relativePath
            }
        }
        return thumbnails
    }

    /// The first of `items` for each key, in order.
    static func oneEach<T>(_ items: [T], by key: (T) -> String) -> [T] {
        var seen: Set<String> = []
        return items.filter { seen.insert(key($0)).inserted }
    }

    struct Still: Sendable, Hashable {
        enum Kind: Sendable { case poster, strip, image }
        var kind: Kind
        var sha: String
        var source: String
        var seconds: Int

        var relativePath: String {
            switch kind {
            case .poster: Thumbnails.posterPath(sha)
            case .strip: Thumbnails.stripPath(sha)
            case .image: Thumbnails.imagePath(sha)
            }
        }
    }

    /// The stills that exist afterwards: made now, or already there. Bounded: one out, one in.
    private func makeAll(_ work: [Still]) async -> [Still] {
        var made: [Still] = []
        await withTaskGroup(of: Still?.self) { group in
            var next = 0
            func startOne() {
                let still = work[next]
                next += 1
                group.addTask { await self.make(still) ? still : nil }
            }
            while next < min(concurrency, work.count) { startOne() }
            while let result = await group.next() {
                if let result { made.append(result) }
                if next < work.count { startOne() }
            }
        }
        return made
    }

    private func make(_ still: Still) async -> Bool {
        let destination = outDirectory + "/" + still.relativePath
        if let size = (try? FileManager.default.attributesOfItem(atPath: destination))?[.size] as? NSNumber, size.intValue > 0 {
            return true
        }
        guard FileManager.default.fileExists(atPath: still.source) else { return false }
        do {
            switch still.kind {
            case .poster: try await media.poster(of: still.source, to: destination)
            case .strip: try await media.strip(of: still.source, seconds: still.seconds, to: destination)
            case .image: try await media.thumbnail(of: still.source, to: destination)
            }
            return true
        } catch {
            return false
        }
    }
}

/// Makes the stills of each clip as it lands during a run, one ffmpeg at a time, so the contact
/// sheet written at the end finds them made instead of making them all then (with renders of a
/// minute or more, the machine is idle between clips). Clips of the same content are made once.
public actor StillsInBackground {
    private let maker: ThumbnailMaker
    private let layout: OutputLayout
    private var queue: [ThumbnailMaker.Clip] = []
    private var seen: Set<String> = []
    private var worker: Task<Void, Never>?
    private var stopped = false

    public init(outDirectory: String, media: MediaTools = MediaTools()) {
        layout = OutputLayout(root: outDirectory)
        maker = ThumbnailMaker(outDirectory: layout.root, media: media, concurrency: 1)
    }

    /// A verified clip at `path` (inside the output folder) is ready: its stills are queued.
    public func clipReady(path: String, sha256: String, seconds: Int) {
        guard !stopped, seen.insert(sha256).inserted, let absolute = try? layout.absolute(path) else { return }
        queue.append(ThumbnailMaker.Clip(sha256: sha256, path: absolute, seconds: seconds))
        if worker == nil { worker = Task { await self.drain() } }
    }

    private func drain() async {
        while !stopped, !queue.isEmpty {
            let clip = queue.removeFirst()
            _ = await maker.make(clips: [clip], images: [])
        }
        worker = nil
    }

    /// Takes no more clips and drops those not started; returns when the one being made is done.
    /// The contact sheet makes whatever is missing.
    public func finish() async {
        stopped = true
        queue = []
        await worker?.value
    }
}
