import Foundation
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

    /// The bundled emulator's jobs and clips, for runs with `--emulate`.
    public var emulatorDirectory: String { root + "/.emulator" }

    /// Checks, before anything is started or paid for, that the run can write here: the folder is
    /// a folder (or can be created) and a file can be written in it.
    public func checkWritable() throws(OutputFolderError) {
        var info = stat()
        if lstat(root, &info) == 0, info.st_mode & S_IFMT != S_IFDIR, stat(root, &info) != 0 || info.st_mode & S_IFMT != S_IFDIR {
            throw OutputFolderError("the output folder \(root) is a file, not a folder; choose another --out")
        }
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
    package func refuseLinks(under path: String) throws(OutputFolderError) {
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
}

/// The output folder cannot be used: its lock, journal or a path in it.
public struct OutputFolderError: UserFacingError, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
