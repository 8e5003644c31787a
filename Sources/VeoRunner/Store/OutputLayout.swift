import Foundation
import Crypto
import VeoClient
public import VeoProvider
public import VeoSupport

/// Where a run writes, all under one output folder:
///
///     <out>/report.json                 the run report
///     <out>/journal.jsonl               submissions, video ids and outputs (resume and cache)
///     <out>/clips/<shot>.mp4            a job without variants, take 1
///     <out>/clips/<shot>/<variant>.mp4  a variant, take 1
///     <out>/clips/<...>.take<N>.mp4     take N > 1
///     <out>/frames/<job>.<first|last>.png  frames extracted for downstream jobs
///     <out>/.emulator/                  the bundled emulator's state, for runs with --emulate
///
/// Job ids are restricted to `[A-Za-z0-9_-]` (and `/`, `#` from the planner), so no id can name a
/// path outside the folder; `path(for:)` checks it anyway.
public struct OutputLayout: Sendable {
    public var root: String

    public init(root: String) {
        self.root = FilePaths.resolve(root, against: FileManager.default.currentDirectoryPath)
    }

    public var reportPath: String { root + "/report.json" }
    public var journalPath: String { root + "/journal.jsonl" }
    /// Reservations of estimated cost, never compacted (`SpendingLedger`).
    public var spendingPath: String { root + "/spending.jsonl" }
    public var framesDirectory: String { root + "/frames" }
    /// Images fetched from URLs, by sha256, with a record per URL for revalidation.
    public var inputsDirectory: String { root + "/inputs" }

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

    /// The bundled emulator's jobs and clips, for runs with `--emulate`.
    public var emulatorDirectory: String { root + "/.emulator" }

    /// Checks, before anything is started or paid for, that the run can write here: the folder is
    /// a folder (or can be created) and a file can be written in it.
    public func checkWritable() throws(OutputFolderError) {
        if let error = fileInTheWayError() { throw error }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw OutputFolderError("cannot create the output folder \(root): \(FileErrorText.reason(error)); choose another --out")
        }
        let probe = root + "/.write-test-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OutputFolderError("cannot write in the output folder \(root): \(FileError.reason(errno: errno)); choose a writable --out")
        }
        close(fd)
        unlink(probe)
        for folder in [root + "/clips", framesDirectory, emulatorDirectory] { try refuseLinks(under: folder + "/x") }
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

    /// The clip's path relative to the root.
    public static func relativeClipPath(shot: String, variant: String?, take: Int) -> String {
        var path = "clips/" + shot
        if let variant { path += "/" + variant }
        if take > 1 { path += ".take\(take)" }
        return path + ".mp4"
    }

    /// The absolute path of a path inside the folder. Refuses paths that lead outside it, lexically
    /// or through a symbolic link planted on the way (`clips` → elsewhere): the tool writes only
    /// inside its output folder.
    public func absolute(_ relative: String) throws -> String {
        let full = FilePaths.resolve(relative, against: root)
        guard full.hasPrefix(root + "/") else {
            throw OutputFolderError("refusing to write outside the output folder: \(relative)")
        }
        try refuseLinks(under: full)
        return full
    }

    /// Every existing folder between the root and `path` must be a real folder, not a link.
    func refuseLinks(under path: String) throws(OutputFolderError) {
        var current = root
        for component in path.dropFirst(root.count + 1).split(separator: "/").dropLast() {
            current += "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else { return }  // not there yet: created as a real folder
            if info.st_mode & S_IFMT == S_IFLNK {
                throw OutputFolderError("refusing to write through the symbolic link \(current) inside the output folder; remove it (the tool writes only inside \(root))")
            }
        }
    }

    public func framePath(job: String, frame: FramePosition) -> String {
        let safe = job.replacingOccurrences(of: "/", with: "--").replacingOccurrences(of: "#", with: ".take")
        return framesDirectory + "/\(safe).\(frame.rawValue).png"
    }
}

extension OutputLayout {
    public var lockPath: String { root + "/.lock" }

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

/// The output folder cannot be used: its lock, journal or a path in it.
public struct OutputFolderError: UserFacingError, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
