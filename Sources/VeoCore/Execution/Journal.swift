public import Foundation

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

    enum CodingKeys: String, CodingKey {
        case event, key, job, at, output, code, message
        case videoID = "video_id"
        case submittedAt = "submitted_at"
    }

    public init(event: Event, key: String, job: String, at: Date = Date(), videoID: String? = nil, output: OutputRecord? = nil,
                code: String? = nil, message: String? = nil, submittedAt: Date? = nil)
    {
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

/// The run journal: an append-only JSON-lines file, flushed to disk (fsync) after every entry, so a
/// crash at any moment leaves every submitted video id on disk before it is polled.
public actor Journal {
    public let path: String
    private var handle: FileHandle?
    private var states: [String: KeyState] = [:]
    private let encoder: JSONEncoder

    /// Opens (or creates) the journal, replays it and rewrites it compacted.
    public init(path: String) throws {
        self.path = path
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
        let entries = Self.read(path: path)
        var states: [String: KeyState] = [:]
        for entry in entries { Self.apply(entry, to: &states) }
        self.states = states
        // Compact: one line per key that still matters, written beside and renamed over.
        let compacted = Self.compact(entries)
        let temp = path + ".tmp"
        var data = Data()
        for entry in compacted {
            data.append(try encoder.encode(entry))
            data.append(0x0A)
        }
        _ = FileManager.default.createFile(atPath: temp, contents: data)
        if let h = FileHandle(forWritingAtPath: temp) {
            try? h.synchronize()
            try? h.close()
        }
        if rename(temp, path) != 0 {
            throw MediaTools.ToolError(description: "cannot write the journal \(path): \(String(cString: strerror(errno)))")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw MediaTools.ToolError(description: "cannot open the journal \(path) for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    public func state(for key: String) -> KeyState {
        states[key] ?? KeyState()
    }

    public var allStates: [String: KeyState] { states }

    /// Appends an entry and flushes it to disk before returning.
    public func append(_ entry: JournalEntry) throws {
        var line = try encoder.encode(entry)
        line.append(0x0A)
        guard let handle else { throw MediaTools.ToolError(description: "the journal is closed") }
        try handle.write(contentsOf: line)
        try handle.synchronize()
        Self.apply(entry, to: &states)
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
        case .failed:
            s.pendingVideoID = nil
            s.ambiguous = nil
        }
        states[entry.key] = s
    }

    /// The entries that carry state: the last `completed` per key, and the still-open
    /// `submitting`/`submitted`/`ambiguous` entries after it.
    static func compact(_ entries: [JournalEntry]) -> [JournalEntry] {
        var lastCompleted: [String: Int] = [:]
        var lastClosed: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            if entry.event == .completed { lastCompleted[entry.key] = i }
            if entry.event == .completed || entry.event == .failed { lastClosed[entry.key] = i }
        }
        var kept: [JournalEntry] = []
        for (i, entry) in entries.enumerated() {
            let closedAt = lastClosed[entry.key] ?? -1
            if i == lastCompleted[entry.key] || i > closedAt {
                kept.append(entry)
            }
        }
        return kept
    }
}
