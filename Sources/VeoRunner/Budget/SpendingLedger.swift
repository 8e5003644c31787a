import Foundation
public import VeoMoney
public import VeoSupport

/// `<out>/spending.jsonl`: what this folder has committed to spend, one line per reservation (made
/// and flushed to disk before a create request goes out) and per release (a request the provider
/// provably did not take). Never compacted, so resuming or re-running never resets the total.
/// Reserving is atomic across the run's concurrent jobs: a budget can never be overshot.
///
/// A line it cannot read is never skipped (that would undercount): `LedgerFile.read` refuses the
/// file, naming the line (`LedgerProblem`).
public actor SpendingLedger {
    public let path: String
    private(set) public var total: Spent
    private(set) public var thisRun = Spent()
    private let limits: BudgetLimits
    private let currency: Currency
    private let encoder: JSONEncoder
    /// The file does not end with a newline (a line written by hand): the next line starts on a new one.
    private var needsNewline: Bool

    /// Reads the folder's ledger; throws `LedgerProblem` when a line cannot be counted.
    public init(path: String, limits: BudgetLimits, currency: Currency) throws(LedgerProblem) {
        let file = try LedgerFile.read(path: path, currency: currency)
        self.path = path
        self.limits = limits
        self.currency = currency
        self.total = file.total
        self.needsNewline = file.needsNewline
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        self.encoder = encoder
    }

    /// Reserves a job's estimated cost if it fits what the budget has left; returns whether it did.
    /// The line reaches the disk before this returns.
    public func reserve(job: String, key: String, cost: Spent) throws -> Bool {
        guard limits.fits(cost, spentTotal: total, spentThisRun: thisRun) else { return false }
        try append(.reserve, job: job, key: key, cost: cost)
        total += cost
        thisRun += cost
        return true
    }

    /// Gives back a reservation whose request the provider provably did not take.
    public func release(job: String, key: String, cost: Spent) throws {
        try append(.release, job: job, key: key, cost: cost)
        total -= cost
        thisRun -= cost
    }

    private func append(_ kind: LedgerFile.Entry.Kind, job: String, key: String, cost: Spent) throws {
        let entry = LedgerFile.Entry(
            kind: kind, job: job, key: key, micros: cost.amount.micros, currency: currency.rawValue, usd: nil, seconds: cost.seconds, at: Date())
        var line = needsNewline ? Data([0x0A]) : Data()
        line.append(try encoder.encode(entry))
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw OutputFolderError("cannot write \(path): \(FileError.reason(errno: errno))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw OutputFolderError("cannot write \(path): \(FileError.reason(errno: errno))")
        }
        needsNewline = false
    }
}

/// The ledger's file format, read strictly.
public enum LedgerFile {
    /// One line. Written since amounts are exact: `micros` (millionths) and `currency`. Lines
    /// written before hold `usd`, a binary floating point number (`0.6000000000000001`): read,
    /// rounded to the micro-unit, counted in the run's currency (the budget compared them so).
    struct Entry: Codable, Sendable {
        enum Kind: String, Codable, Sendable { case reserve, release }
        var kind: Kind
        var job: String
        var key: String
        var micros: Int64?
        var currency: String?
        var usd: Double?
        var seconds: Int
        var at: Date
    }

    /// What a readable ledger holds.
    public struct Contents: Sendable {
        public var total: Spent
        public var needsNewline: Bool
    }

    /// The folder's total, or the first line that cannot be counted. A missing file is empty.
    public static func read(path: String, currency: Currency) throws(LedgerProblem) -> Contents {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
            return Contents(total: Spent(), needsNewline: false)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var total = Spent()
        var open: [String: Int] = [:]
        for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let problem = { (reason: String) in LedgerProblem(path: path, line: index + 1, reason: reason) }
            guard let entry = try? decoder.decode(Entry.self, from: Data(line)) else {
                throw problem("not a line the tool writes (cut short, or edited: an amount must be a number)")
            }
            let cost = try Spent(amount: amount(of: entry, currency: currency, problem: problem), seconds: seconds(of: entry, problem: problem))
            let id = "\(entry.job)\u{0}\(entry.key)\u{0}\(cost.amount.micros)\u{0}\(cost.seconds)"
            switch entry.kind {
            case .reserve:
                open[id, default: 0] += 1
                total += cost
            case .release:
                guard let n = open[id], n > 0 else { throw problem("a release of \(DiagnosticSafe.text(entry.job)) with no reservation of the same amount before it") }
                open[id] = n - 1
                total -= cost
            }
        }
        return Contents(total: total, needsNewline: data.last != 0x0A)
    }

    private static func amount(of entry: Entry, currency: Currency, problem: (String) -> LedgerProblem) throws(LedgerProblem) -> Amount {
        if let micros = entry.micros {
            guard entry.usd == nil else { throw problem("both 'micros' and 'usd'") }
            guard micros >= 0, micros <= Amount.maximum.micros else { throw problem("the amount \(micros) micro-units is negative or too large") }
            guard let written = entry.currency else { throw problem("'micros' without its 'currency'") }
            guard written == currency.rawValue else {
                throw problem("an amount in \(DiagnosticSafe.text(written)), but this run prices in \(currency); a folder's spending is kept in one currency (use another --out for prices in \(currency))")
            }
            return Amount(micros: micros)
        }
        guard let usd = entry.usd else { throw problem("no amount ('micros' or 'usd')") }
        switch Amount.rounding(usd) {
        case .success(let amount): return amount
        case .failure(let why): throw problem("the amount \(usd) is \(why)")
        }
    }

    private static func seconds(of entry: Entry, problem: (String) -> LedgerProblem) throws(LedgerProblem) -> Int {
        guard (0...1_000_000_000).contains(entry.seconds) else { throw problem("the seconds \(entry.seconds) are negative or too large") }
        return entry.seconds
    }
}

/// A ledger line that cannot be counted: the run refuses to start (exit 73) rather than undercount.
public struct LedgerProblem: UserFacingError, Sendable, Hashable {
    public var path: String
    public var line: Int
    public var reason: String

    public var description: String {
        """
        \(path):\(line): the spending ledger cannot be read: \(reason). Nothing was submitted: a line \
        that is skipped would undercount what this folder spent. To repair it, look at that line: \
        a line cut short by a crash can be deleted (its create request was never sent, since a \
        reservation reaches the disk first); otherwise make it a reservation as the tool writes \
        them ({"kind":"reserve","job":…,"key":…,"micros":600000,"currency":"USD","seconds":8,"at":…}). \
        Never delete a complete reservation: the budget would forget money spent.
        """
    }
}

/// Text from a file, made safe for a terminal line.
enum DiagnosticSafe {
    static func text(_ value: String) -> String { TerminalText.escaped(String(value.prefix(80))) }
}
