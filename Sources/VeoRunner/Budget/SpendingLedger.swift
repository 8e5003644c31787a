public import Foundation
import VeoSupport
import VeoReport

/// `<out>/spending.jsonl`: what this folder has committed to spend, one line per reservation (made
/// and flushed to disk before a create request goes out) and per release (a request the provider
/// provably did not take). Never compacted, so resuming or re-running never resets the total.
/// Reserving is atomic across the run's concurrent jobs: a budget can never be overshot.
public actor SpendingLedger {
    public struct Entry: Codable, Sendable, Hashable {
        public enum Kind: String, Codable, Sendable { case reserve, release }
        public var kind: Kind
        public var job: String
        public var key: String
        public var usd: Double
        public var seconds: Int
        public var at: Date
    }

    /// Spent in total (all runs in this folder) and in this invocation.
    public struct Totals: Sendable, Hashable {
        public var usd = 0.0
        public var seconds = 0
        public init() {}
    }

    public let path: String
    private(set) public var total = Totals()
    private(set) public var thisRun = Totals()
    private var limits: BudgetLimits
    private let encoder: JSONEncoder

    public init(path: String, limits: BudgetLimits) {
        self.path = path
        self.limits = limits
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        self.encoder = encoder
        total = Self.totals(of: Self.read(path: path))
    }

    /// Reserves a job's estimated cost if it fits what the budget has left; returns whether it did.
    /// The line reaches the disk before this returns.
    public func reserve(job: String, key: String, usd: Double, seconds: Int) throws -> Bool {
        guard limits.fits(usd: usd, seconds: seconds, spentTotal: total, spentThisRun: thisRun) else { return false }
        try append(Entry(kind: .reserve, job: job, key: key, usd: usd, seconds: seconds, at: Date()))
        total.usd += usd
        total.seconds += seconds
        thisRun.usd += usd
        thisRun.seconds += seconds
        return true
    }

    /// Gives back a reservation whose request the provider did not take (answered 4xx before creating).
    public func release(job: String, key: String, usd: Double, seconds: Int) throws {
        try append(Entry(kind: .release, job: job, key: key, usd: usd, seconds: seconds, at: Date()))
        total.usd -= usd
        total.seconds -= seconds
        thisRun.usd -= usd
        thisRun.seconds -= seconds
    }

    private func append(_ entry: Entry) throws {
        var line = try encoder.encode(entry)
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFolderError("cannot write \(path): \(FileError.reason(errno: errno))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw OutputFolderError("cannot write \(path): \(FileError.reason(errno: errno))")
        }
    }

    public static func read(path: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
    }

    public static func totals(of entries: [Entry]) -> Totals {
        var totals = Totals()
        for entry in entries {
            let sign = entry.kind == .reserve ? 1.0 : -1.0
            totals.usd += sign * entry.usd
            totals.seconds += Int(sign) * entry.seconds
        }
        return totals
    }
}

/// The limits a run spends under: `--max-cost` for this invocation, the manifest's `budget` for
/// everything this folder has spent on it. Both apply; the smaller remaining amount wins.
public struct BudgetLimits: Sendable, Hashable {
    /// `--max-cost USD`: this invocation.
    public var maxCostThisRun: Double?
    /// `budget.max_usd`: the folder, all runs.
    public var maxCostTotal: Double?
    /// `budget.max_video_seconds`: the folder, all runs.
    public var maxSecondsTotal: Int?
    /// Where each limit was set, for messages: "--max-cost", "shots.yaml:4:12 (budget.max_usd)".
    public var sources: [String] = []

    public init(maxCostThisRun: Double? = nil, maxCostTotal: Double? = nil, maxSecondsTotal: Int? = nil, sources: [String] = []) {
        self.maxCostThisRun = maxCostThisRun
        self.maxCostTotal = maxCostTotal
        self.maxSecondsTotal = maxSecondsTotal
        self.sources = sources
    }

    public var isEmpty: Bool { maxCostThisRun == nil && maxCostTotal == nil && maxSecondsTotal == nil }

    /// What is left to spend, in USD (nil: no money limit).
    public func remainingUSD(spentTotal: SpendingLedger.Totals, spentThisRun: SpendingLedger.Totals) -> Double? {
        let left = [maxCostThisRun.map { $0 - spentThisRun.usd }, maxCostTotal.map { $0 - spentTotal.usd }].compactMap { $0 }
        return left.min().map { max(0, $0) }
    }

    public func remainingSeconds(spentTotal: SpendingLedger.Totals) -> Int? {
        maxSecondsTotal.map { max(0, $0 - spentTotal.seconds) }
    }

    /// Whether spending `usd` and `seconds` more stays within every limit (a cent of rounding allowed).
    public func fits(usd: Double, seconds: Int, spentTotal: SpendingLedger.Totals, spentThisRun: SpendingLedger.Totals) -> Bool {
        if let left = remainingUSD(spentTotal: spentTotal, spentThisRun: spentThisRun), usd > left + 1e-9 { return false }
        if let left = remainingSeconds(spentTotal: spentTotal), seconds > left { return false }
        return true
    }
}
