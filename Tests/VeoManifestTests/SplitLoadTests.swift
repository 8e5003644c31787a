import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// The accelerated strategy parses a large manifest in two parts on two threads, cut at an item
/// of the `shots` list (`Accelerated/SplitLoad.swift`). Wherever it accepts a cut, the result must
/// be exactly what the plain strategy gives (shots, positions, diagnostics); wherever the cut is not
/// a real item boundary, or part two depends on part one, it must refuse (nil), and the loader
/// takes the plain path.
@Suite("Split parsing")
struct SplitLoadTests {
    /// The manifest and diagnostics from the plain path (one load on this thread, one decode), as text.
    static func sequential(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let document = try? YAMLLoader().load(bytes: bytes, file: "m.yaml") else { return nil }
        return describe(ManifestDecoder.decode(document))
    }

    /// The same from the accelerated strategy's split load cut at `point`, or nil when it refuses.
    static func split(_ text: String, at point: YAMLLoader.SplitPoint, loader: YAMLLoader = YAMLLoader()) -> String? {
        LoadStrategy.decodeInParts(Array(text.utf8), file: "m.yaml", yaml: loader, at: point).map(describe)
    }

    static func describe(_ decoded: (manifest: Manifest?, diagnostics: [Diagnostic])) -> String {
        var bag = DiagnosticBag()
        bag.append(contentsOf: decoded.diagnostics)
        return "\(String(describing: decoded.manifest))\n\(bag.sorted)"
    }

    /// Tries a cut at every line of the list; checks each accepted cut against the sequential load.
    /// Returns the lines (1-based) where the cut was accepted.
    static func acceptedCuts(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Int] {
        let bytes = Array(text.utf8)
        let reference = sequential(text)
        var accepted: [Int] = []
        var seen = Set<Int>()
        for (offset, byte) in bytes.enumerated() where byte == 0x0A {
            guard let point = YAMLLoader.splitPoint(in: bytes, key: "shots", target: offset), seen.insert(point.cut).inserted
            else { continue }
            guard let result = split(text, at: point) else { continue }
            let line = bytes[..<point.cut].count { $0 == 0x0A } + 1
            #expect(reference != nil, "a split load succeeded at line \(line) where the sequential load fails",
                    sourceLocation: sourceLocation)
            #expect(result == reference, "cut at line \(line)", sourceLocation: sourceLocation)
            accepted.append(line)
        }
        return accepted
    }

    @Test func splitPointFindsTheListAndAnItemNearTheTarget() throws {
        let text = "version: 1\nshots: # the list\n\n  # first\n  - id: a\n    prompt: x\n  - id: b\n    prompt: y\n"
        let bytes = Array(text.utf8)
        let point = try #require(YAMLLoader.splitPoint(in: bytes, key: "shots", target: 0))
        #expect(point.indent == 2)
        #expect(point.listStart == Array("version: 1\nshots: # the list\n\n  # first\n".utf8).count)
        #expect(point.cut == Array("version: 1\nshots: # the list\n\n  # first\n  - id: a\n    prompt: x\n".utf8).count)
        // No item after the target: no cut.
        #expect(YAMLLoader.splitPoint(in: bytes, key: "shots", target: bytes.count - 3) == nil)
        // Not a block list on the next line, or the key not alone: no cut.
        for other in ["version: 1\nshots: [a, b]\n", "version: 1\nshots: &all\n  - a\n  - b\n", "version: 1\n  shots:\n  - a\n  - b\n",
                      "version: 1\nshots:\n  a: 1\n  - b\n"] {
            #expect(YAMLLoader.splitPoint(in: Array(other.utf8), key: "shots", target: 0) == nil, "\(other)")
        }
    }

    /// A plain manifest: every cut between two shots is accepted and gives the same manifest.
    @Test func everyItemBoundaryGivesTheSequentialResult() {
        var text = "# header\nversion: 1\nname: split\nvars:\n  style: noir\nx-base: &base\n  seconds: 8\nshots:\n"
        for i in 0..<12 {
            text += "  - id: s\(i)\n    prompt: \"shot \(i), ${style}\"\n"
            if i % 3 == 0 { text += "    <<: *base\n" }
            if i % 4 == 1 { text += "    variants:\n      - id: v1\n      - id: v2\n        seconds: 4\n" }
            if i == 7 { text += "    colour: red\n" }  // a diagnostic in either part
        }
        let accepted = Self.acceptedCuts(text)
        #expect(accepted.count == 11)  // before every item but the first
    }

    /// Shots at column 0 (an indentless list), with variants at column 2 that must not be taken for shots.
    @Test func indentlessListsAndNestedItemsAtTheShotsColumn() {
        var text = "version: 1\nshots:\n"
        for i in 0..<6 {
            text += "- id: s\(i)\n  prompt: p\(i)\n  variants:\n  - id: a\n  - id: b\n"
        }
        let accepted = Self.acceptedCuts(text)
        #expect(accepted == [8, 13, 18, 23, 28])
    }

    /// Lines that look like items but are inside a quoted scalar or a block scalar.
    @Test func lookAlikeLinesInsideScalarsAreNotCuts() {
        let text = """
            version: 1
            shots:
              - id: a
                prompt: "a quoted prompt
              - id: fake
                that goes on"
              - id: b
                prompt: |
                  a block prompt
                  - id: fake2
              - id: c
                prompt: 'single
              - id: fake3
                quoted'

            """
        let accepted = Self.acceptedCuts(text)
        #expect(!accepted.contains(5))
        #expect(!accepted.contains(13))
        #expect(accepted.contains(7) && accepted.contains(11))
    }

    /// Part two may use anchors from the header, but not ones (re)defined in part one's shots.
    @Test func anchorsDefinedInPartOneRefuseTheCut() {
        let text = """
            version: 1
            x-base: &base
              seconds: 8
            shots:
              - id: a
                prompt: x
                <<: *base
              - id: b
                prompt: y
                <<: &base {seconds: 4}
              - id: c
                prompt: z
                <<: *base
              - id: d
                prompt: w
                <<: *base

            """
        // Cuts before c and d would give part two the header's &base (8) instead of b's (4).
        #expect(Self.acceptedCuts(text) == [8])
    }

    /// An alias inside a mapping that itself redefines the anchor names the earlier definition
    /// (the new one exists only once the mapping is complete): here b's, not the header's.
    @Test func aliasInsideItsOwnRedefinitionNamesTheEarlierAnchor() {
        let text = """
            version: 1
            x-base: &base
              seconds: 8
            shots:
              - id: a
                prompt: x
              - id: b
                prompt: y
                <<: &base {seconds: 4}
              - id: c
                prompt: z
                <<: &base {size: 720x1280, <<: *base}

            """
        // A cut before c would give c the header's seconds (8) instead of b's (4).
        #expect(Self.acceptedCuts(text) == [7])
    }

    /// Keys after the list, a second document, CRLF line ends and line separators.
    @Test func whatFollowsTheListAndUnusualLineBreaks() {
        let shots = (0..<4).map { "  - id: s\($0)\n    prompt: p\($0)\n" }.joined()
        // A key after the list: part one would not see it.
        #expect(Self.acceptedCuts("version: 1\nshots:\n" + shots + "vars:\n  x: y\n").isEmpty)
        // Another list after the shots, at the same indentation: its items are not shots.
        let other = "version: 1\nshots:\n" + shots + "x-other:\n" + shots.replacingOccurrences(of: "id: s", with: "id: o")
        #expect(Self.acceptedCuts(other).isEmpty)
        // A second document: the sequential load fails, and so must the split one.
        #expect(Self.acceptedCuts("version: 1\nshots:\n" + shots + "---\nmore: 1\n").isEmpty)
        // Windows line ends are fine.
        #expect(Self.acceptedCuts(("version: 1\nshots:\n" + shots).replacingOccurrences(of: "\n", with: "\r\n")).count == 3)
        // A U+2028 line separator inside part one's text is a line break to libyaml: refused.
        let separated = "version: 1\nshots:\n  - id: a\n    prompt: \"one\u{2028}two\"\n" + shots
        #expect(Self.acceptedCuts(separated) == [])
    }

    /// An error in either part refuses the split (the sequential load then reports it).
    @Test func errorsInEitherPartRefuseTheSplit() {
        let shots = (0..<6).map { "  - id: s\($0)\n    prompt: p\($0)\n" }
        var early = shots
        early[1] += "    prompt: again\n"
        var late = shots
        late[4] += "    after: [unclosed\n"
        for text in ["version: 1\nshots:\n" + early.joined(), "version: 1\nshots:\n" + late.joined()] {
            #expect(Self.sequential(text) == nil)
            #expect(Self.acceptedCuts(text).isEmpty)
        }
    }

    /// Input the usual load refuses is refused by the split load too (the usual load then says why).
    @Test func refusedInputIsNotSplit() throws {
        let shots = (0..<6).map { "  - id: s\($0)\n    prompt: p\($0)\n" }.joined()
        let text = "version: 1\nshots:\n" + shots.replacingOccurrences(of: "p4", with: "p\u{0}4")
        let point = try #require(YAMLLoader.splitPoint(in: Array(text.utf8), key: "shots"))
        #expect(Self.sequential(text) == nil)
        #expect(Self.split(text, at: point) == nil)
    }

    /// The alias cap counts both parts: each part alone is under it, the whole is not.
    @Test func aliasExpansionIsCountedOverBothParts() throws {
        let shots = (0..<10).map { "  - id: s\($0)\n    prompt: p\($0)\n    <<: *base\n" }.joined()
        let text = "version: 1\nx-base: &base {seconds: 8, size: 1280x720}\nshots:\n" + shots
        let bytes = Array(text.utf8)
        let point = try #require(YAMLLoader.splitPoint(in: bytes, key: "shots"))
        // Each merge expands 5 nodes (the mapping, two keys, two values): 50 in all, about 25 per part.
        #expect(Self.split(text, at: point, loader: YAMLLoader(maxAliasExpansion: 50)) != nil)
        #expect(Self.split(text, at: point, loader: YAMLLoader(maxAliasExpansion: 40)) == nil)
    }

    /// The large manifests of `LargeManifestTests` do take the split path under the accelerated
    /// strategy (and small ones, or any under the plain strategy, do not).
    @Test func largeManifestsAreSplit() throws {
        let text = LargeManifestTests.manifest(shots: 3000)
        let bytes = Array(text.utf8)
        #expect(bytes.count >= LoadStrategy.splitParseMinBytes)
        let point = try #require(YAMLLoader.splitPoint(in: bytes, key: "shots"))
        #expect(abs(point.cut - bytes.count / 2) < 400)
        let result = try #require(Self.split(text, at: point))
        #expect(result == Self.sequential(text))
        let decoded = try #require(LoadStrategy.accelerated.decodeInParts(bytes, file: "m.yaml", yaml: YAMLLoader()))
        #expect(Self.describe(decoded) == Self.sequential(text))
        #expect(LoadStrategy.plain.decodeInParts(bytes, file: "m.yaml", yaml: YAMLLoader()) == nil)
        let small = Array(LargeManifestTests.manifest(shots: 50).utf8)
        #expect(LoadStrategy.accelerated.decodeInParts(small, file: "m.yaml", yaml: YAMLLoader()) == nil)
    }
}
