import Foundation
import Testing
import VeoMoney
import VeoRunner

/// Issue 24, item 6: a ledger line that cannot be counted stops the run (it was skipped, so the
/// budget was undercounted); lines written before amounts were exact still count.
@Suite("The spending ledger is read strictly")
struct SpendingLedgerTests {
    static let reserve = #"{"at":"2026-12-01T10:00:00Z","job":"a","key":"k1","kind":"reserve","seconds":4,"usd":0.6000000000000001}"#

    func folder(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("spending.jsonl").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anOldFloatingPointLineCountsRoundedToTheMicroUnit() throws {
        let path = try folder(Self.reserve + "\n" + Self.reserve.replacingOccurrences(of: "k1", with: "k2") + "\n")
        let total = try LedgerFile.read(path: path, currency: .usd).total
        #expect(total == Spent(amount: Amount(micros: 1_200_000), seconds: 8))
    }

    @Test(arguments: [
        ("torn", Self.reserve + "\n" + #"{"at":"2026-12-01T10:00:00Z","job":"b","ke"#, 2, "not a line the tool writes"),
        ("string", Self.reserve.replacingOccurrences(of: "0.6000000000000001", with: "\"0.8\""), 1, "not a line the tool writes"),
        ("negative", Self.reserve.replacingOccurrences(of: "0.6000000000000001", with: "-0.8"), 1, "negative"),
        ("huge", Self.reserve.replacingOccurrences(of: "0.6000000000000001", with: "1e300"), 1, "larger than"),
        ("orphan release", Self.reserve + "\n" + Self.reserve.replacingOccurrences(of: "reserve", with: "release").replacingOccurrences(of: "k1", with: "k9"), 2,
         "a release of a with no reservation"),
        ("other currency", #"{"at":"2026-12-01T10:00:00Z","currency":"EUR","job":"a","key":"k","kind":"reserve","micros":1,"seconds":4}"#, 1, "an amount in EUR"),
    ] as [(String, String, Int, String)])
    func aLineThatCannotBeCountedIsRefusedByFileAndLine(name: String, text: String, line: Int, reason: String) throws {
        let path = try folder(text)
        do {
            _ = try LedgerFile.read(path: path, currency: .usd)
            Issue.record("\(name): the ledger was read")
        } catch {
            #expect(error.line == line, "\(name)")
            #expect(error.description.hasPrefix("\(path):\(line): the spending ledger cannot be read"), "\(error.description)")
            #expect(error.description.contains(reason), "\(name): \(error.description)")
            #expect(error.description.contains("To repair it"))
        }
    }

    @Test func aReleaseMatchesItsReservationAndAnAppendStartsOnANewLine() async throws {
        // A complete last line without its newline (edited by hand).
        let path = try folder(Self.reserve)
        let ledger = try SpendingLedger(path: path, limits: BudgetLimits(maxCostTotal: Amount(units: 1)), currency: .usd)
        let cost = Spent(amount: Amount(micros: 400_000), seconds: 4)
        #expect(try await ledger.reserve(job: "b", key: "k2", cost: cost))
        #expect(try await !ledger.reserve(job: "c", key: "k3", cost: cost))  // 0.60 + 0.40 + 0.40 > 1.00
        try await ledger.release(job: "b", key: "k2", cost: cost)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3, "\(text)")
        #expect(text.contains(#""micros":400000"#) && text.contains(#""currency":"USD""#) && !text.contains(#""usd":0.4"#))
        // Read again: the old line, a reservation and its release.
        #expect(try LedgerFile.read(path: path, currency: .usd).total == Spent(amount: Amount(micros: 600_000), seconds: 4))
    }
}
