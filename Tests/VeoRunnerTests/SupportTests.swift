import Foundation
import Synchronization
import Testing
import VeoSupport
import VeoReport

@testable import VeoRunner

@Suite("Shared helpers")
struct SupportTests {
    @Test func decimalsAreWrittenWithoutTrailingZerosAndWithADot() {
        #expect(DecimalText.string(7) == "7")
        #expect(DecimalText.string(0.5) == "0.5")
        #expect(DecimalText.string(26.5) == "26.5")
        #expect(DecimalText.string(0.1 + 0.2) == "0.3")
        #expect(DecimalText.string(7.001, maxDecimals: 2) == "7")  // not "7."
        #expect(DecimalText.string(1.0 / 24, maxDecimals: 6) == "0.041667")
        #expect(DecimalText.string(-0.0001) == "0")
        #expect(DecimalText.string(-2.25) == "-2.25")
    }

    @Test func hexMatchesTheKnownDigest() {
        #expect(Hex.encode([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func atomicWritesLeaveNoTemporaryFileAndNeverFollowAPlantedLink() throws {
        let dir = NSTemporaryDirectory() + "veo-atomic-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = dir + "/victim.txt"
        try "keep me".write(toFile: victim, atomically: false, encoding: .utf8)
        let path = dir + "/report.json"
        // Someone planted a link under the temporary name, pointing at another file.
        try FileManager.default.createSymbolicLink(atPath: AtomicFile.temporaryPath(for: path), withDestinationPath: victim)
        try AtomicFile.write(Array("{}".utf8), to: path, sync: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{}")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        #expect(!FileManager.default.fileExists(atPath: AtomicFile.temporaryPath(for: path)))
    }

    @Test func atomicWriteIntoAMissingFolderSaysWhichFileAndWhy() {
        #expect {
            try AtomicFile.write([1, 2, 3], to: "/nonexistent-veo/dir/file")
        } throws: { error in
            "\(error)".contains("/nonexistent-veo/dir/file") && "\(error)".contains("no such file or directory")
        }
    }

    @Test func aSemaphoreNeverLetsMoreThanItsPermitsIn() async {
        final class Gauge: Sendable {
            let state = Mutex((inside: 0, most: 0))
            func enter() { state.withLock { $0.inside += 1; $0.most = max($0.most, $0.inside) } }
            func leave() { state.withLock { $0.inside -= 1 } }
        }
        let semaphore = AsyncSemaphore(permits: 3)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await semaphore.withPermit { @Sendable in
                        gauge.enter()
                        try? await Task.sleep(for: .milliseconds(5))
                        gauge.leave()
                    }
                }
            }
        }
        #expect(gauge.state.withLock { $0.most } == 3)
    }

    @Test func terminalTextEscapesControlsAndBidiButKeepsText() {
        #expect(TerminalText.escaped("plain – ünïcode\ttab") == "plain – ünïcode\ttab")
        #expect(TerminalText.escaped("a\u{1B}[2Jb") == "a\\u{1B}[2Jb")
        #expect(TerminalText.escaped("x\u{202E}y\r\n") == "x\\u{202E}y\\u{D}\\u{A}")
        #expect(TerminalText.escaped("\u{9B}31m") == "\\u{9B}31m")
    }

    @Test func aDeadlineEndsAnOperationThatNeverFinishes() async {
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50)) { try await Task.sleep(for: .seconds(3600)) }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        let value = try? await withDeadline(.seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func foundationErrorTextNeverReachesAUser() throws {
        let error = NSError(domain: NSCocoaErrorDomain, code: 516, userInfo: [NSFilePathErrorKey: "/x"])
        let text = FileErrorText.describe(error)
        #expect(text == "a file with that name is in the way")
        #expect(!FileErrorText.describe(NSError(domain: "SomeDomain", code: 7)).contains("The operation"))
        #expect(FileErrorText.describe(OutputFolderError("own words")) == "own words")
    }

    @Test func failureCodesAreTheOnesTheReportSchemaLists() throws {
        let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas/run-report.schema.json").path
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schemaPath))) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: Any])
        let job = try #require((defs["job"] as? [String: Any])?["properties"] as? [String: Any])
        let error = try #require(((job["error"] as? [String: Any])?["anyOf"] as? [[String: Any]])?.first)
        let code = try #require((error["properties"] as? [String: Any])?["code"] as? [String: Any])
        let codes = Set(try #require(code["enum"] as? [String]))
        #expect(codes == Set(FailureCode.allCases.map(\.rawValue)))
    }
}
