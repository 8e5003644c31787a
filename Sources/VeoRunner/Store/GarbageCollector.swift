import Foundation
import VeoSupport
public import VeoReport

/// Prunes the folder's clip store: keeps the clips the last run's jobs use (from `report.json`)
/// and, per job, the `keepLast` versions before them (from the journal); removes every other
/// stored clip and the records that point at them. Holds the folder's lock while it works.
public struct GarbageCollector: Sendable {
    public struct Result: Sendable, Hashable {
        public var removed: Int
        public var removedBytes: Int64
        public var kept: Int
    }

    public let layout: OutputLayout
    public let keepLast: Int

    public init(outDirectory: String, keepLast: Int = 0) {
        layout = OutputLayout(root: outDirectory)
        self.keepLast = max(0, keepLast)
    }

    /// The sha256 of every clip to keep.
    func keep(report: RunReport) -> Set<String> {
        var keep = Set(report.jobs.compactMap(\.output?.sha256))
        keep.formUnion((report.cuts ?? []).compactMap(\.output?.sha256))
        guard keepLast > 0 else { return keep }
        var versions: [String: [String]] = [:]  // job → clip sha256s, oldest first
        for entry in Journal.read(path: layout.journalPath) where entry.event == .completed {
            guard let sha = entry.output?.sha256 else { continue }
            versions[entry.job, default: []].removeAll { $0 == sha }
            versions[entry.job, default: []].append(sha)
        }
        for job in report.jobs {
            let earlier = (versions[job.id] ?? []).filter { $0 != job.output?.sha256 }
            keep.formUnion(earlier.suffix(keepLast))
        }
        return keep
    }

    public func run(dryRun: Bool = false) throws -> Result {
        guard let data = FileManager.default.contents(atPath: layout.reportPath),
            let report = try? JSONDecoder().decode(RunReport.self, from: data)
        else {
            throw OutputFolderError("there is no readable report.json in \(layout.root): gc keeps what the last run's jobs use, so run `veo-pipeline run` first")
        }
        let lock = try OutputLock(layout: layout)
        defer { lock.release() }
        let store = ClipStore(layout: layout)
        let keep = keep(report: report)
        var result = Result(removed: 0, removedBytes: 0, kept: 0)
        for (sha, bytes) in store.objects() {
            if keep.contains(sha) {
                result.kept += 1
                continue
            }
            result.removed += 1
            result.removedBytes += bytes
            if !dryRun { unlink(store.casPath(sha)) }
        }
        if !dryRun { removeRecords(of: store, keeping: keep) }
        return result
    }

    /// `ac/` records whose clip is no longer stored, and `cuts/` records whose cut is not.
    private func removeRecords(of store: ClipStore, keeping keep: Set<String>) {
        removeRecords(in: store.cutsDirectory, as: ClipStore.CutRecord.self, keeping: keep)
        removeRecords(in: store.acDirectory, as: ClipStore.Record.self, keeping: keep)
    }

    /// Removes the records in `directory` that are unreadable or name an object not kept.
    private func removeRecords<Record: Decodable & StoredObjectRecord>(in directory: String, as: Record.Type, keeping keep: Set<String>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                let record = try? JSONDecoder().decode(Record.self, from: data), keep.contains(record.sha256)
            else {
                unlink(path)
                continue
            }
        }
    }
}
