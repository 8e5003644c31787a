import Foundation
import VeoSupport

/// The jobs on disk, so that an emulator started again with the same storage directory knows
/// every earlier job: one JSON file per job in `<storage>/jobs/`, written whole (a temporary file
/// renamed over it) each time the job changes. The clips sit beside, in the storage directory.
struct JobStore: Sendable {
    /// `<storage>/jobs`.
    let directory: String

    /// The store of `storageDirectory`, creating its folder if needed.
    init(storageDirectory: String) throws {
        directory = storageDirectory + "/jobs"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func save(_ job: VideoJob) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(job), to: path(of: job.id))
    }

    /// Every stored job. Files left half-written by a process that was killed are removed.
    func loadAll() throws -> [VideoJob] {
        var jobs: [VideoJob] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + name
            if name.hasSuffix(AtomicFile.temporaryPath(for: ".json")) {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            guard name.hasSuffix(".json") else { continue }
            do {
                jobs.append(try JSONDecoder().decode(VideoJob.self, from: Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                throw EmulatorError(description: "cannot read the stored job \(path): \(error)")
            }
        }
        return jobs
    }

    private func path(of id: String) -> String {
        directory + "/" + id + ".json"
    }
}
