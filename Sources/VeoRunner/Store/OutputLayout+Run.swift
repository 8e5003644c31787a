import Crypto
import Foundation
import VeoClient
public import VeoReport
import VeoSupport

/// What a run does in its output folder beyond the paths (`VeoReport/OutputLayout.swift`):
/// images fetched from URLs, the run's folders, downloads beside the clip, leftovers, the lock.
extension OutputLayout {
    func fetchedImageRecordPath(_ url: String) -> String {
        inputsDirectory + "/" + Hex.encode(SHA256.hash(data: Array(url.utf8))) + ".json"
    }

    /// What an earlier run fetched from `url`, if its copy is still there.
    func fetchedImage(_ url: String) -> ImageFetcher.Cached? {
        guard let data = FileManager.default.contents(atPath: fetchedImageRecordPath(url)),
            let cached = try? JSONDecoder().decode(ImageFetcher.Cached.self, from: data), FileManager.default.fileExists(atPath: cached.path)
        else { return nil }
        return cached
    }

    func rememberFetchedImage(_ image: ImageFetcher.Cached) {
        guard let data = try? JSONEncoder().encode(image) else { return }
        try? AtomicFile.write(Array(data), to: fetchedImageRecordPath(image.url))
    }

    /// Creates the output folder and the folders a run writes into.
    func prepare() throws {
        for folder in [root + "/clips", framesDirectory] { try refuseLinks(under: folder + "/x") }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: framesDirectory, withIntermediateDirectories: true)
        } catch {
            throw OutputFolderError("cannot create the output folder \(root): \(FileErrorText.reason(error))")
        }
    }

    /// Where a clip is downloaded before it is verified and moved to `clipPath` (its folder is created).
    func incomingPath(for clipPath: String) throws -> String {
        let folder = (clipPath as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputFolderError("cannot create \(folder): \(FileErrorText.reason(error))")
        }
        return folder + "/." + (clipPath as NSString).lastPathComponent + ".incoming.mp4"
    }

    /// Copies a file inside the folder, atomically (beside the destination, then renamed).
    func copy(_ source: String, to destination: String) throws {
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temp = AtomicFile.temporaryPath(for: destination)
        try? FileManager.default.removeItem(atPath: temp)
        try FileManager.default.copyItem(atPath: source, toPath: temp)
        try AtomicFile.move(temp, to: destination)
    }

    /// Size and mtime match the record, or else the sha256 does.
    static func intact(_ record: OutputRecord, at path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value, size == record.bytes
        else { return false }
        if let recorded = record.mtime, let now = mtime(path), abs(recorded - now) < 0.000_5 { return true }
        return (try? CacheKey.sha256(ofFile: path)) == record.sha256
    }

    static func mtime(_ path: String) -> Double? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date)?.timeIntervalSince1970
    }

    /// Removes temporary files a killed run left behind (partial downloads, copies and frames).
    /// Only called while holding the folder's lock.
    func removeLeftovers() {
        let fm = FileManager.default
        for directory in [root + "/clips", root + "/cuts", framesDirectory] {
            guard let walker = fm.enumerator(atPath: directory) else { continue }
            for case let relative as String in walker {
                let name = (relative as NSString).lastPathComponent
                if name.hasSuffix(".part") || name.hasSuffix(".part.png") || name.hasSuffix(".incoming.mp4") {
                    try? fm.removeItem(atPath: directory + "/" + relative)
                }
            }
        }
    }
}

extension OutputLayout {
    /// Runs `body` holding the folder's lock, as a run does (a refused run writes its report under
    /// it too); throws when another run holds it.
    public func whileLocked<T>(_ body: () async throws -> T) async throws -> T {
        let lock = try OutputLock(layout: self)
        defer { lock.release() }
        return try await body()
    }
}

/// An exclusive lock on an output folder for the length of a run (`flock` on `<out>/.lock`).
final class OutputLock: Sendable {
    private let fd: Int32

    init(layout: OutputLayout) throws {
        let fd = open(layout.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputFolderError("cannot create \(layout.lockPath): \(FileError.reason(errno: errno))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw OutputFolderError("another veo-pipeline run is using \(layout.root); wait for it to finish (two runs in one folder would submit every job twice)")
        }
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
