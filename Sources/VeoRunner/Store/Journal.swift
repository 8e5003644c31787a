public import Foundation
import VeoSupport
public import VeoReport

/// A verified clip, as recorded in the journal. Paths are relative to the output folder, so the
/// cache survives moving the folder or restoring it from a CI cache.
public struct OutputRecord: Sendable, Codable, Hashable {
    public var path: String
    public var bytes: Int64
    public var sha256: String
    public var width: Int
    public var height: Int
    public var duration: Double
    /// Modification time when verified; a match spares re-hashing on the next run.
    public var mtime: Double?
}

/// One line of `journal.jsonl`.
public struct JournalEntry: Sendable, Codable, Hashable {
    public enum Event: String, Sendable, Codable {
        /// About to send the create request. Without a later `submitted`, the outcome is unknown.
        case submitting
        /// The server answered the last `submitting` attempt without taking the job (429, 503, a
        /// refusal, or a failure before the body went out): not ambiguous.
        case notTaken = "not_taken"
        /// The provider took the job: its video id.
        case submitted
        /// The create request was sent and no answer came: not re-sent unless asked.
        case ambiguous
        /// Downloaded and verified.
        case completed
        /// The job failed for good (in this run); a later run may try again.
        case failed
    }

    public var event: Event
    public var key: String
    public var job: String
    public var at: Date
    public var videoID: String?
    public var output: OutputRecord?
    public var code: String?
    public var message: String?
    public var submittedAt: Date?
    /// The API the entry is about (`emulator`, or the server's scheme://host:port): state recorded
    /// against one server never stands for another.
    public var origin: String?

    enum CodingKeys: String, CodingKey {
        case event, key, job, at, output, code, message, origin
        case videoID = "video_id"
        case submittedAt = "submitted_at"
    }

    /// The failure a `failed` entry records.
    public init(event: Event, key: String, job: String, videoID: String? = nil, failure: JobFailure) {
        self.init(event: event, key: key, job: job, videoID: videoID, code: failure.code.rawValue, message: failure.message)
    }

    /// The code of a `failed` entry, when it is one this version knows.
    public var failureCode: FailureCode? { code.flatMap(FailureCode.init(rawValue:)) }

    public init(event: Event, key: String, job: String, at: Date = Date(), videoID: String? = nil, output: OutputRecord? = nil,
                code: String? = nil, message: String? = nil, submittedAt: Date? = nil, origin: String? = nil)
    {
        self.origin = origin
        self.event = event
        self.key = key
        self.job = job
        self.at = at
        self.videoID = videoID
        self.output = output
        self.code = code
        self.message = message
        self.submittedAt = submittedAt
    }
}

/// What the journal says about one content key.
public struct KeyState: Sendable, Hashable {
    public var output: OutputRecord?
    public var outputVideoID: String?
    /// Submitted and not yet finished: resume by polling this id (no second POST).
    public var pendingVideoID: String?
    public var pendingSubmittedAt: Date?
    /// A submission whose fate is unknown (sent, no answer; or a crash between send and record).
    public var ambiguous: String?
    /// Create requests sent for this key since its last completed or failed outcome.
    public var submissions = 0
}

/// The run journal: an append-only JSON-lines file. Submission entries are flushed to disk (fsync)
/// before the request goes out or is polled, so a crash at any moment leaves every submitted video
/// id on disk.
public actor Journal {
    public let path: String
    public let origin: String?
    private var handle: FileHandle?
    /// Where the file ended after the last whole line: a failed write is cut back to it.
    private var goodLength: UInt64 = 0
    private var states: [String: KeyState] = [:]
    private let encoder: JSONEncoder
    /// Clips recorded against each other API than `origin` (`emulator`, or scheme://host:port).
    public let clipsOfOtherOrigins: [String: Int]

    /// Opens (or creates) the journal, replays the entries of `origin` (all when nil) and rewrites
    /// it compacted (entries of every origin are kept).
    public init(path: String, origin: String? = nil) throws {
        self.path = path
        self.origin = origin
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
        let entries = Self.read(path: path)
        var states: [String: KeyState] = [:]
        for entry in entries where Self.matches(entry, origin) { Self.apply(entry, to: &states) }
        self.states = states
        var others: [String: Int] = [:]
        for entry in entries where entry.event == .completed && !Self.matches(entry, origin) {
            others[entry.origin ?? "", default: 0] += 1
        }
        self.clipsOfOtherOrigins = others
        // Compact: one line per key that still matters, written beside and renamed over.
        var data: [UInt8] = []
        for entry in Self.compact(entries) {
            data += try encoder.encode(entry)
            data.append(0x0A)
        }
        do {
            try AtomicFile.write(data, to: path, sync: true)
        } catch {
            throw OutputFolderError("cannot write the journal: \(FileErrorText.describe(error))")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw OutputFolderError("cannot open the journal \(path) for writing")
        }
        self.goodLength = handle.seekToEndOfFile()
        self.handle = handle
    }

    public func state(for key: String) -> KeyState {
        states[key] ?? KeyState()
    }

    public var allStates: [String: KeyState] { states }

    /// Appends an entry and flushes it to disk before returning.
    public func append(_ entry: JournalEntry) throws {
        var entry = entry
        entry.origin = entry.origin ?? origin
        var line = try encoder.encode(entry)
        line.append(0x0A)
        guard let handle else { throw OutputFolderError("the journal is closed") }
        do {
            try handle.write(contentsOf: line)
            // Submissions must reach the disk before the request goes out or is polled. An outcome
            // need not wait for it: the write survives a killed process, and if power is lost first,
            // the still-open submission resumes by its video id (nothing is paid twice).
            switch entry.event {
            case .submitting, .submitted, .ambiguous, .notTaken: try handle.synchronize()
            case .completed, .failed: break
            }
        } catch {
            // Cut a partial line off (disk full), so the next entry does not join it and get lost.
            try? handle.truncate(atOffset: goodLength)
            throw OutputFolderError("cannot write the journal \(path): \(FileErrorText.reason(error))")
        }
        goodLength += UInt64(line.count)
        Self.apply(entry, to: &states)
    }

    static func matches(_ entry: JournalEntry, _ origin: String?) -> Bool {
        origin == nil || entry.origin == nil || entry.origin == origin
    }

    public func close() {
        try? handle?.close()
        handle = nil
    }

    // MARK: - Replay

    static func read(path: String) -> [JournalEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var entries: [JournalEntry] = []
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            // A line torn by a crash mid-write is skipped; everything before it was flushed whole.
            if let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) { entries.append(entry) }
        }
        return entries
    }

    static func apply(_ entry: JournalEntry, to states: inout [String: KeyState]) {
        var s = states[entry.key] ?? KeyState()
        switch entry.event {
        case .submitting:
            s.submissions += 1
            s.ambiguous = "the tool stopped after sending the create request for '\(entry.job)' and before recording the answer"
        case .notTaken:
            s.ambiguous = nil
        case .submitted:
            s.ambiguous = nil
            s.pendingVideoID = entry.videoID
            s.pendingSubmittedAt = entry.submittedAt ?? entry.at
        case .ambiguous:
            s.ambiguous = entry.message ?? "the create request for '\(entry.job)' was sent and no answer came"
        case .completed:
            s.output = entry.output
            s.outputVideoID = entry.videoID
            s.pendingVideoID = nil
            s.ambiguous = nil
            s.submissions = 0
        case .failed:
            s.pendingVideoID = nil
            s.ambiguous = nil
            s.submissions = 0
            // The recorded clip is gone and cannot be fetched again: forget it.
            if entry.failureCode == .outputLost {
                s.output = nil
                s.outputVideoID = nil
            }
        }
        states[entry.key] = s
    }

    /// The entries that carry state: per key and origin, the last `completed`, the last outcome
    /// (`completed` or `failed`) and the still-open `submitting`/`submitted`/`ambiguous` entries after it.
    static func compact(_ entries: [JournalEntry]) -> [JournalEntry] {
        func slot(_ entry: JournalEntry) -> String { entry.key + "|" + (entry.origin ?? "") }
        var lastCompleted: [String: Int] = [:]
        var lastClosed: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            if entry.event == .completed { lastCompleted[slot(entry)] = i }
            if entry.event == .completed || entry.event == .failed { lastClosed[slot(entry)] = i }
        }
        var kept: [JournalEntry] = []
        for (i, entry) in entries.enumerated() {
            let closedAt = lastClosed[slot(entry)] ?? -1
            if i == lastCompleted[slot(entry)] || i >= closedAt {
                kept.append(entry)
            }
        }
        return kept
    }
}
