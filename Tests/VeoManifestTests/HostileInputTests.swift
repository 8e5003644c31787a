import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// Inputs built to make the loader slow or its diagnostics misleading: deep nesting, huge lines
/// and values, binary files, terminal escapes and bidirectional controls in manifest text.
@Suite("Hostile input")
struct HostileInputTests {
    /// No raw character a terminal would act on or hide: control characters other than a line
    /// break or a tab, bidirectional controls, line separators.
    static func unsafeScalars(in text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { $0 != "\n" && $0 != "\t" && DiagnosticText.needsEscape($0) }
    }

    static func rendered(_ result: ManifestLoadResult) -> String {
        DiagnosticRenderer(sources: result.sources, useColor: false).render(result.diagnostics)
    }

    static func elapsed(_ body: () throws -> Void) rethrows -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return clock.now - start
    }

    /// libyaml looks ahead over every open flow collection at each token: 100,000 nested `[` took
    /// 41 s when the whole file was parsed before the first event was built. Building each event as
    /// it comes stops at the depth limit after a few hundred.
    @Test func deeplyNestedFlowCollectionsStopAtTheDepthLimit() throws {
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        var failure: YAMLError?
        let time = Self.elapsed {
            do throws(YAMLError) {
                _ = try YAMLLoader().load(bytes: deep, file: "deep.yaml")
            } catch {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error.message == "lists and mappings nest deeper than 256 levels")
        #expect(error.location == Loc(file: "deep.yaml", line: 1, column: 257))
        #expect(time < .seconds(2), "took \(time)")
    }

    /// The same inside a large manifest, which the accelerated strategy first tries to split.
    @Test(arguments: [LoadStrategy.plain, .accelerated])
    func deepNestingInALargeManifest(strategy: LoadStrategy) throws {
        let dir = TempDir()
        let nested = String(repeating: "{a: ", count: 100_000)
        let text = "version: 1\nshots:\n  - id: a\n    prompt: \(nested)\n  - id: b\n    prompt: p\n"
        #expect(text.utf8.count > LoadStrategy.splitParseMinBytes)
        let path = dir.write("deep.yaml", text)
        var result: ManifestLoadResult?
        let time = Self.elapsed { result = ManifestLoader.load(file: path, strategy: strategy) }
        let error = try #require(result?.diagnostics.first)
        #expect(result?.diagnostics.count == 1)
        #expect(error.message.contains("deeper than 256 levels"))
        // Three levels are open (the root, `shots`, the shot): the 254th `{` is one too many.
        #expect(error.location == Loc(file: path, line: 4, column: 13 + 4 * 253))
        #expect(time < .seconds(2), "took \(time)")
    }

    /// A minified line of megabytes is shown as a window around the column, not whole.
    @Test func longLinesAreCutAroundTheColumn() throws {
        let dir = TempDir()
        let line = "x: [" + String(repeating: "a, ", count: 350_000) + "*nope, " + String(repeating: "a, ", count: 350_000) + "a]"
        let path = dir.write("long.yaml", line + "\n")
        let result = ManifestLoader.load(file: path)
        let error = try #require(result.diagnostics.first)
        #expect(error.message.contains("alias *nope"))
        let output = Self.rendered(result)
        #expect(output.utf8.count < 600, "\(output.utf8.count) bytes")
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let source = try #require(lines.first { $0.hasPrefix("…") })
        #expect(source.hasSuffix("…"))
        // The caret is under the character at the error's column.
        let caretLine = try #require(lines.first { $0.hasSuffix("^") })
        let caret = caretLine.count - 1
        let column = error.location!.position.column
        #expect(Array(source)[caret] == Array(line)[column - 1])
    }

    /// A binary file's bytes are shown escaped, in a short window.
    @Test func binaryFilesAreShownEscaped() throws {
        let dir = TempDir()
        var rng = SeededGenerator(seed: 7)
        let bytes = Array("a: ".utf8) + (0..<400).map { _ in UInt8.random(in: 1...255, using: &rng) }.filter { $0 != 0x0A }
        let result = ManifestLoader.load(file: dir.write("binary.yaml", bytes: bytes))
        #expect(!result.isValid)
        let output = Self.rendered(result)
        #expect(Self.unsafeScalars(in: output).isEmpty, "\(output.debugDescription)")
        #expect(!output.unicodeScalars.contains("\u{FFFD}"), "invalid bytes are shown as \\x.., not replaced")
        #expect(output.split(separator: "\n").allSatisfy { $0.count < 200 }, "\(output)")
    }

    /// Ids, keys and values quoted in messages carry no raw escapes or bidirectional controls.
    @Test func manifestTextInMessagesIsEscaped() throws {
        let c = ManifestCase(#"""
            version: 1
            shots:
              - id: "evil\e[2J\u202Eid"
                prompt: p
                "col\x07our": red
                seconds: "\u202E8"

            """#)
        let messages = c.result.diagnostics.map(\.message)
        #expect(messages.contains { $0.contains(#"'evil\x1b[2J\u{202E}id'"#) }, "\(messages)")
        #expect(messages.contains { $0.contains(#"unknown key 'col\x07our'"#) }, "\(messages)")
        #expect(messages.contains { $0.contains(#"not '\u{202E}8'"#) }, "\(messages)")
        let output = Self.rendered(c.result)
        #expect(Self.unsafeScalars(in: output).isEmpty, "\(output.debugDescription)")
        #expect(output.contains(#"- id: "evil\e[2J\u202Eid""#), "the source line itself is printed as written")
    }

    /// YAML-level messages too (a duplicate key, and its note).
    @Test func yamlMessagesAreEscaped() throws {
        var caught: YAMLError?
        do {
            _ = try YAMLLoader().load(bytes: Array("\"a\\u202Eb\": 1\n\"a\\u202Eb\": 2\n".utf8), file: "x.yaml")
        } catch {
            caught = error
        }
        let error = try #require(caught)
        #expect(error.diagnostic.message == #"duplicate key 'a\u{202E}b' in this mapping"#)
        #expect(error.diagnostic.notes.first?.message == #"'a\u{202E}b' is first defined here"#)
    }

    /// A huge value or key quoted in a message is cut short; the message stays one short line.
    @Test func hugeValuesInMessagesAreCut() throws {
        let huge = String(repeating: "9", count: 2_000_000)
        // A key of more than 1,024 characters must be an explicit one ('? key').
        let text = "version: 1\nshots:\n  - id: a\n    prompt: p\n    seconds: \(huge)\n    ? \(huge)x\n    : 1\n    takes: \(huge)\n"
        let dir = TempDir()
        let result = ManifestLoader.load(file: dir.write("huge.yaml", text))
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 3, "\(errors.map { $0.message.prefix(200) })")
        for error in errors {
            #expect(error.message.count < 400, "\(error.message.prefix(200))")
            #expect(error.message.contains("…"))
        }
        // Any message, whoever quotes what in it, is at most `maxMessageLength` characters.
        let long = Diagnostic.error("invalid shot id '\(huge)'", at: nil)
        #expect(long.message.count == DiagnosticText.maxMessageLength)
        #expect(long.message.hasPrefix("invalid shot id '999"))
        #expect(long.message.hasSuffix("999'"))
    }

    /// "Did you mean" does not compare a key of megabytes with every known key character by
    /// character (that took seconds per key).
    @Test func hugeUnknownKeyIsReportedQuickly() throws {
        let key = String(repeating: "k", count: 2_000_000)
        let dir = TempDir()
        let path = dir.write("key.yaml", "version: 1\nshots:\n  - id: a\n    prompt: p\n    ? \(key)\n    : 1\n")
        var result: ManifestLoadResult?
        let time = Self.elapsed { result = ManifestLoader.load(file: path) }
        #expect(result?.diagnostics.count == 1)
        let error = try #require(result?.diagnostics.first)
        #expect(error.message.hasPrefix("unknown key 'kkk"))
        #expect(time < .seconds(2), "took \(time)")
        // Suggestions are unchanged for ordinary words.
        #expect(Suggest.closest("promt", ["id", "prompt", "seconds"]) == "prompt")
        #expect(Suggest.closest("sec", ["id", "prompt", "seconds"]) == "seconds")
        #expect(Suggest.closest("zzzzzzzzzzzzz", ["id", "prompt", "seconds"]) == nil)
    }
}
