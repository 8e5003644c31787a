public import Foundation
import VeoClient
public import VeoProvider
import VeoSupport

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

    /// Why the record cannot be a verified clip (read back from a journal or a record someone may
    /// have edited, or copied from a shared cache), nil when every value is possible: a relative
    /// path without `..`, a sha256 of 64 hex digits, 1 byte to 64 GiB, a size of 1 to 16384 pixels
    /// a side, a finite length of more than 0 s and at most an hour, a finite mtime.
    public var impossibility: String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.isEmpty || path.hasPrefix("/") || components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            return "its path is not a plain path inside the output folder"
        }
        if !Self.isSHA256(sha256) { return "its sha256 is not 64 hexadecimal digits" }
        if !(Int64(1)...(Int64(64) << 30)).contains(bytes) { return "its size (\(bytes) bytes) is impossible" }
        if !(1...16_384).contains(width) || !(1...16_384).contains(height) { return "its width or height is impossible" }
        if !(duration.isFinite && duration > 0 && duration <= 3600) { return "its duration is impossible" }
        if let mtime, !mtime.isFinite { return "its modification time is not a number" }
        return nil
    }

    /// Whether the clip is what `request` asked for: its size exactly, its length within 15 %
    /// (at least a second), as a download is verified.
    public func fits(_ request: GenerationRequest) -> Bool {
        Self.fits(width: width, height: height, duration: duration, request: request)
    }

    static func fits(width: Int, height: Int, duration: Double, request: GenerationRequest) -> Bool {
        let seconds = Double(request.seconds.rawValue)
        return width == request.size.width && height == request.size.height && duration.isFinite
            && abs(duration - seconds) <= max(1.0, seconds * 0.15)
    }

    /// 64 lowercase hexadecimal digits, as `CacheKey.sha256(ofFile:)` writes them.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
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
        let entries = try Self.readChecked(path: path)
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

    /// The entries that can be read (for views such as `plan` and `gc`: other lines are skipped).
    static func read(path: String) -> [JournalEntry] {
        (try? entries(path: path, strict: false)) ?? []
    }

    /// The entries, for a run. A line that cannot be read is skipped (a line torn by a crash
    /// mid-write; everything before it was flushed whole), unless it is a `submitting` or
    /// `submitted` line: a create request may have gone out, or a video id was paid for, and
    /// guessing would lose it or pay twice. Then the run stops here, naming the file and line.
    static func readChecked(path: String) throws(OutputFolderError) -> [JournalEntry] {
        try entries(path: path, strict: true)
    }

    private static func entries(path: String, strict: Bool) throws(OutputFolderError) -> [JournalEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var entries: [JournalEntry] = []
        var number = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard !line.isEmpty else { continue }
            let entry = try? decoder.decode(JournalEntry.self, from: Data(line))
            if strict, let problem = submissionProblem(entry, line: line) {
                throw OutputFolderError("""
                    \(path) line \(number) is a submission entry that cannot be read (\(problem)): a create request \
                    may have gone out for it, so the run stops here rather than lose a paid video or submit it twice. \
                    Check the provider's console for the job, then correct or delete that line.
                    """)
            }
            if let entry { entries.append(entry) }
        }
        return entries
    }

    /// What is wrong with a `submitting` or `submitted` line, nil for every other line and for a
    /// readable submission.
    static func submissionProblem(_ entry: JournalEntry?, line: Data.SubSequence) -> String? {
        guard let entry else {
            let text = String(decoding: line, as: UTF8.self)
            let isSubmission = text.range(of: #""event"\s*:\s*"submitt(ing|ed)""#, options: .regularExpression) != nil
            return isSubmission ? "not valid JSON of a journal entry" : nil
        }
        guard entry.event == .submitted else { return nil }
        guard let id = entry.videoID, VideoID.isValid(id) else { return "its video id is missing or not a valid id" }
        return nil
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
            s.pendingVideoID = entry.videoID.flatMap { VideoID.isValid($0) ? $0 : nil }
            s.pendingSubmittedAt = entry.submittedAt ?? entry.at
        case .completed where entry.output?.impossibility != nil || !(entry.videoID.map(VideoID.isValid) ?? true):
            // Impossible values (a sha256 that is a path, a duration of 1e300): no verified clip.
            // Its video id, when valid, is downloaded again and verified, as after a crash.
            s.output = nil
            s.outputVideoID = nil
            s.pendingVideoID = entry.videoID.flatMap { VideoID.isValid($0) ? $0 : nil }
            s.pendingSubmittedAt = entry.submittedAt ?? entry.at
            s.ambiguous = nil
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
