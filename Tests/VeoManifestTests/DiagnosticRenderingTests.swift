import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

@Suite("Diagnostics rendering")
struct DiagnosticRenderingTests {
    let file = "shots/trailer.yaml"

    func renderer(_ text: String, color: Bool = false) -> DiagnosticRenderer {
        var sources = SourceTexts()
        sources.add(file: file, text: text)
        return DiagnosticRenderer(sources: sources, useColor: color)
    }

    @Test func errorWithSourceLineAndCaret() {
        let r = renderer("version: 1\nshots:\n  - id: a\n    seconds: 5\n")
        let d = Diagnostic.error("'seconds' must be 4, 6 or 8, not '5'", at: Loc(file: file, line: 4, column: 14))
        #expect(r.render(d) == """
            shots/trailer.yaml:4:14: error: 'seconds' must be 4, 6 or 8, not '5'
                seconds: 5
                         ^

            """)
        #expect(d.description == "shots/trailer.yaml:4:14: error: 'seconds' must be 4, 6 or 8, not '5'")
    }

    @Test func tabsAreKeptSoTheCaretLinesUp() {
        let r = renderer("a: 1\n\t\tkey:\tvalue\n")
        let d = Diagnostic.warning("look here", at: Loc(file: file, line: 2, column: 8))
        #expect(r.render(d) == "shots/trailer.yaml:2:8: warning: look here\n\t\tkey:\tvalue\n\t\t    \t^\n")
    }

    /// A long line is cut to a window around the column, marked with "…" where text is left out;
    /// the caret stays under the column's character.
    @Test func longLinesShowAWindowAroundTheColumn() {
        let line = (0..<1000).map { String($0 % 10) }.joined()
        let r = renderer("a: 1\n" + line + "\n")
        let middle = r.render(.error("here", at: Loc(file: file, line: 2, column: 501)))
        let window = String(line.dropFirst(460).prefix(SourceExcerpt.maxWidth))
        #expect(middle == "shots/trailer.yaml:2:501: error: here\n…\(window)…\n" + String(repeating: " ", count: 41) + "^\n")
        // Near the start: no "…" before; near the end: more of the line before the column.
        let start = r.render(.error("s", at: Loc(file: file, line: 2, column: 3)))
        #expect(start == "shots/trailer.yaml:2:3: error: s\n\(line.prefix(120))…\n  ^\n")
        let end = r.render(.error("e", at: Loc(file: file, line: 2, column: 1001)))
        #expect(end == "shots/trailer.yaml:2:1001: error: e\n…\(line.suffix(120))\n" + String(repeating: " ", count: 121) + "^\n")
    }

    /// Control characters, bidirectional controls and bytes that are not UTF-8 are shown escaped,
    /// and the caret counts the escapes' width.
    @Test func sourceLinesAreEscaped() {
        var sources = SourceTexts()
        sources.add(file: file, bytes: Array("id: \u{1B}[31m\u{202E}".utf8) + [0xFF] + Array("\u{85}\u{7}x\r\n".utf8))
        let r = DiagnosticRenderer(sources: sources, useColor: false)
        // Column 14 is the "x": 13 characters before it ("id: ", ESC, "[31m", U+202E, the byte 0xFF, NEL, BEL).
        let text = r.render(.error("bad", at: Loc(file: file, line: 1, column: 14)))
        let shown = #"id: \x1b[31m\u{202E}\xff\u{85}\x07x"#
        #expect(text == "shots/trailer.yaml:1:14: error: bad\n\(shown)\n" + String(repeating: " ", count: shown.count - 1) + "^\n")
    }

    /// A UTF-8 byte order mark is not shown (and not counted: libyaml's columns skip it).
    @Test func byteOrderMarkIsNotShown() {
        var sources = SourceTexts()
        sources.add(file: file, bytes: [0xEF, 0xBB, 0xBF] + Array("version: 2\n".utf8))
        let text = DiagnosticRenderer(sources: sources, useColor: false).render(.error("v", at: Loc(file: file, line: 1, column: 10)))
        #expect(text == "shots/trailer.yaml:1:10: error: v\nversion: 2\n         ^\n")
    }

    @Test func notesFollowTheirDiagnostic() {
        let r = renderer("a: 1\nb: 2\na: 3\n")
        let d = Diagnostic.error("duplicate key 'a' in this mapping", at: Loc(file: file, line: 3, column: 1),
                                 notes: [.note("'a' is first defined here", at: Loc(file: file, line: 1, column: 1))])
        #expect(r.render(d) == """
            shots/trailer.yaml:3:1: error: duplicate key 'a' in this mapping
            a: 3
            ^
            shots/trailer.yaml:1:1: note: 'a' is first defined here
            a: 1
            ^

            """)
    }

    @Test func diagnosticWithoutPlaceOrSource() {
        let r = renderer("a: 1\r\nb: 2\r\n")
        #expect(r.render(.error("no such file: x.yaml", at: nil)) == "error: no such file: x.yaml\n")
        // A line past the end: no source line, no caret.
        #expect(r.render(.error("end", at: Loc(file: file, line: 9, column: 1))) == "shots/trailer.yaml:9:1: error: end\n")
        // An unknown file: the same.
        #expect(r.render(.error("elsewhere", at: Loc(file: "other.yaml", line: 1, column: 1))) == "other.yaml:1:1: error: elsewhere\n")
        // CRLF line ends are not shown.
        #expect(r.render(.note("n", at: Loc(file: file, line: 2, column: 4))) == "shots/trailer.yaml:2:4: note: n\nb: 2\n   ^\n")
    }

    @Test func colourOnlyWhenAsked() {
        let d = Diagnostic.error("bad", at: Loc(file: file, line: 1, column: 1))
        let plain = renderer("x\n").render([d, d])
        #expect(!plain.contains("\u{1B}"))
        #expect(plain == String(repeating: "shots/trailer.yaml:1:1: error: bad\nx\n^\n", count: 2))
        let coloured = renderer("x\n", color: true).render(d)
        #expect(coloured.contains("\u{1B}[1;31merror:\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[1;32m^\u{1B}[0m"))
    }

    @Test func json() throws {
        let diagnostics: [Diagnostic] = [
            .error("bad seconds", at: Loc(file: file, line: 4, column: 14), notes: [.note("set here", at: Loc(file: file, line: 2, column: 3))]),
            .warning("aspect", at: Loc(file: file, line: 5, column: 7)),
            .error("no such file", at: nil),
        ]
        let data = DiagnosticRenderer.json(diagnostics, files: [file])
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["files"] as? [String] == [file])
        #expect(root["valid"] as? Bool == false)
        #expect(root["errors"] as? Int == 2)
        #expect(root["warnings"] as? Int == 1)
        let items = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(items.count == 3)
        #expect(items[0]["severity"] as? String == "error")
        #expect(items[0]["message"] as? String == "bad seconds")
        #expect(items[0]["file"] as? String == file)
        #expect(items[0]["line"] as? Int == 4)
        #expect(items[0]["column"] as? Int == 14)
        let note = try #require((items[0]["notes"] as? [[String: Any]])?.first)
        #expect(note["severity"] as? String == "note")
        #expect(note["line"] as? Int == 2)
        #expect(note["column"] as? Int == 3)
        #expect(items[1]["severity"] as? String == "warning")
        #expect(items[2]["file"] is NSNull)
        #expect(items[2]["line"] is NSNull)

        let valid = try #require(try JSONSerialization.jsonObject(with: DiagnosticRenderer.json([diagnostics[1]], files: [])) as? [String: Any])
        #expect(valid["valid"] as? Bool == true)
    }

    @Test func loaderResultRendersWithItsSource() throws {
        let c = ManifestCase("version: 1\nshots:\n  - id: a\n    prompt: p\n    takes: 0\n")
        let text = DiagnosticRenderer(sources: c.result.sources, useColor: false).render(c.result.diagnostics)
        #expect(text == """
            \(c.file):5:12: error: 'takes' must be a whole number from 1 to 20, not '0'
                takes: 0
                       ^

            """)
    }

    @Test func bagSortsByFileThenPosition() {
        var bag = DiagnosticBag()
        bag.append(.error("b2", at: Loc(file: "b", line: 2, column: 1)))
        bag.append(.warning("a3", at: Loc(file: "a", line: 3, column: 1)))
        bag.append(.error("a1x", at: Loc(file: "a", line: 1, column: 9)))
        bag.append(.error("a1", at: Loc(file: "a", line: 1, column: 2)))
        bag.append(.error("none", at: nil))
        #expect(bag.sorted.map(\.message) == ["none", "a1", "a1x", "a3", "b2"])
        #expect(bag.errorCount == 4)
        #expect(bag.warningCount == 1)
        #expect(bag.hasErrors)
    }
}
