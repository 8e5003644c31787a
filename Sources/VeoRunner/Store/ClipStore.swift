import Foundation
import VeoSupport
public import VeoReport

/// Every verified clip the folder ever held, by the sha256 of its bytes, in the same layout as a
/// shared cache (issue 14): `cache/cas/<sha256>` holds the bytes, `cache/ac/<content key>` a small
/// record of the clip a request gave. `clips/` shows the current version of each job; going back
/// to an earlier request restores its clip from here at no cost (no API call, no download).
public struct ClipStore: Sendable {
    public let layout: OutputLayout

    public init(layout: OutputLayout) {
        self.layout = layout
    }

    public var root: String { layout.root + "/cache" }
    public var casDirectory: String { root + "/cas" }
    public var acDirectory: String { root + "/ac" }
    public func casPath(_ sha256: String) -> String { casDirectory + "/" + sha256 }
    public func acPath(_ key: String) -> String { acDirectory + "/" + key }

    /// The record of the clip a request gave (`ac/<key>`).
    public struct Record: Codable, Sendable, Hashable {
        public var sha256: String
        public var bytes: Int64
        public var width: Int
        public var height: Int
        public var duration: Double
        public var model: String
        public var videoID: String?

        enum CodingKeys: String, CodingKey {
            case sha256, bytes, width, height, duration, model
            case videoID = "video_id"
        }
    }

    /// Keeps a verified clip: its bytes under `cas/` (a hard link when the folder allows, else a
    /// copy) and its record under `ac/`. Never fails the job: a store that cannot be written
    /// only costs a later revert its shortcut.
    func keep(_ clipPath: String, output: OutputRecord, key: String, model: String, videoID: String?) {
        let record = Record(
            sha256: output.sha256, bytes: output.bytes, width: output.width, height: output.height, duration: output.duration,
            model: model, videoID: videoID)
        keep(clipPath, record: record, at: acPath(key))
    }

    /// `file` under `cas/<its sha256>` (unless there already) and `record` at `recordPath`, atomically.
    /// Best effort, as said above.
    private func keep<R: Encodable & StoredObjectRecord>(_ file: String, record: R, at recordPath: String) {
        let object = casPath(record.sha256)
        do {
            try FileManager.default.createDirectory(atPath: casDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: (recordPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: object) { try place(file, at: object) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try AtomicFile.write(Array(try encoder.encode(record)), to: recordPath)
        } catch {
            // Best effort: a store that cannot be written only costs a later run its shortcut.
        }
    }

    /// Puts the stored clip with `output`'s bytes at `destination` (inside the folder), if the store
    /// has it intact; returns whether it did.
    /// With `unlessIntact`, a destination that already holds the same file as the store (the
    /// same inode, or the same size and sha256) is left as it is.
    func restore(_ output: OutputRecord, to destination: String, unlessIntact: Bool = false) -> Bool {
        let object = casPath(output.sha256)
        if unlessIntact, Self.sameFile(object, destination), Self.size(of: destination) == output.bytes { return true }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: object))?[.size] as? NSNumber, size.int64Value == output.bytes,
            (try? CacheKey.sha256(ofFile: object)) == output.sha256
        else { return false }
        do {
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try place(object, at: destination)
            return true
        } catch {
            return false
        }
    }

    /// A hard link (same bytes, no copy) or, across file systems, a copy; atomic either way.
    func place(_ source: String, at destination: String) throws {
        let temp = AtomicFile.temporaryPath(for: destination)
        unlink(temp)
        if link(source, temp) != 0 {
            try FileManager.default.copyItem(atPath: source, toPath: temp)
        }
        try AtomicFile.move(temp, to: destination)
    }

    static func size(of path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Two paths to one file (a hard link): no need to read either.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var (sa, sb) = (stat(), stat())
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Whether the store holds `output`'s bytes (by size; `restore` checks the sha256 too).
    func has(_ output: OutputRecord) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: casPath(output.sha256)))?[.size] as? NSNumber)?.int64Value == output.bytes
    }

    /// Objects in the store: sha256 → bytes.
    public func objects() -> [String: Int64] {
        var found: [String: Int64] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: casDirectory)) ?? [] where name.count == 64 {
            let size = ((try? FileManager.default.attributesOfItem(atPath: casPath(name)))?[.size] as? NSNumber)?.int64Value ?? 0
            found[name] = size
        }
        return found
    }
}

// MARK: - Cuts

extension ClipStore {
    /// Where the record of each encoded cut is kept, by the cut's key (its bytes are under `cas/`).
    public var cutsDirectory: String { root + "/cuts" }
    public func cutRecordPath(_ key: String) -> String { cutsDirectory + "/" + key }

    /// The record of an encoded cut (`cuts/<key>`).
    public struct CutRecord: Codable, Sendable, Hashable {
        public var sha256: String
        public var bytes: Int64
        public var width: Int
        public var height: Int
        public var fps: Int
        public var duration: Double

        func asOutputRecord(path: String) -> OutputRecord {
            OutputRecord(path: path, bytes: bytes, sha256: sha256, width: width, height: height, duration: duration, mtime: nil)
        }
    }

    /// The record of the cut with `key`, when one was kept (whether its bytes are still stored is
    /// for `has` and `restore` to say).
    func cutRecord(_ key: String) -> CutRecord? {
        guard key.count == 64, let data = FileManager.default.contents(atPath: cutRecordPath(key)),
            let record = try? JSONDecoder().decode(CutRecord.self, from: data)
        else { return nil }
        return record
    }

    /// Keeps an encoded cut: its bytes under `cas/`, its record under `cuts/`. Best effort, as for clips.
    func keepCut(_ path: String, output: CutOutcome.Output, key: String) {
        let record = CutRecord(
            sha256: output.sha256, bytes: output.bytes, width: output.width, height: output.height, fps: output.fps, duration: output.duration)
        keep(path, record: record, at: cutRecordPath(key))
    }
}

/// A record in the store that points at an object under `cas/` by its sha256.
protocol StoredObjectRecord {
    var sha256: String { get }
}

extension ClipStore.Record: StoredObjectRecord {}
extension ClipStore.CutRecord: StoredObjectRecord {}
