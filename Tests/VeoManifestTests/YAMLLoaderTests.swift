import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

@Suite("YAML loader")
struct YAMLLoaderTests {
    let file = "test.yaml"

    func load(_ text: String, loader: YAMLLoader = YAMLLoader()) throws -> YAMLNode? {
        try loader.load(bytes: Array(text.utf8), file: file).root
    }

    /// The error a load must fail with.
    func failure(_ bytes: [UInt8], loader: YAMLLoader = YAMLLoader(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> YAMLError? {
        do {
            let document = try loader.load(bytes: bytes, file: file)
            Issue.record("expected a YAML error, but it loaded: \(String(describing: document.root?.content))", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func failure(_ text: String, loader: YAMLLoader = YAMLLoader(), sourceLocation: Testing.SourceLocation = #_sourceLocation) -> YAMLError? {
        failure(Array(text.utf8), loader: loader, sourceLocation: sourceLocation)
    }

    func loc(_ p: Pos) -> Loc { Loc(file: file, position: p) }

    func value(_ node: YAMLNode?, _ key: String) -> YAMLNode? {
        node?.mapping?.first { $0.key.scalar == key }?.value
    }

    // MARK: - Tree shape

    @Test func scalarsKeepTheirStyleAndPosition() throws {
        let m = MarkedText("""
            plain: ⟨plain⟩hello world
            single: ⟨single⟩'it''s'
            double: ⟨double⟩"tab\\there"
            literal: ⟨literal⟩|
              line one
              line two
            folded: ⟨folded⟩>
              folded
              text
            empty:⟨empty⟩
            """)
        let root = try #require(try load(m.text))
        let expected: [(String, String, YAMLNode.ScalarStyle)] = [
            ("plain", "hello world", .plain),
            ("single", "it's", .singleQuoted),
            ("double", "tab\there", .doubleQuoted),
            ("literal", "line one\nline two\n", .literal),
            ("folded", "folded text\n", .folded),
        ]
        for (key, text, style) in expected {
            let node = try #require(value(root, key))
            #expect(node.scalar == text, "\(key)")
            #expect(node.scalarStyle == style, "\(key)")
            #expect(node.position == m[key], "\(key) at \(node.position)")
        }
        let empty = try #require(value(root, "empty"))
        #expect(empty.isNull)
        #expect(empty.scalar == "")
        // A quoted "null" is a string, not null.
        let quoted = try #require(try load("a: 'null'\nb: ~\nc: null"))
        #expect(value(quoted, "a")?.isNull == false)
        #expect(value(quoted, "b")?.isNull == true)
        #expect(value(quoted, "c")?.isNull == true)
    }

    @Test func mappingsKeepSourceOrderAndPositions() throws {
        let m = MarkedText("""
            ⟨z⟩zebra: 1
            ⟨a⟩apple: 2
            ⟨m⟩mango:
              ⟨s0⟩- one
              ⟨s1⟩- ⟨inner⟩{k: v}
              ⟨s2⟩- [⟨f0⟩x, ⟨f1⟩y]
            """)
        let root = try #require(try load(m.text))
        #expect(root.position == Pos(line: 1, column: 1))
        let pairs = try #require(root.mapping)
        #expect(pairs.map { $0.key.scalar } == ["zebra", "apple", "mango"])
        #expect(pairs[0].key.position == m["z"])
        #expect(pairs[1].key.position == m["a"])
        #expect(pairs[2].key.position == m["m"])
        let items = try #require(pairs[2].value.sequence)
        #expect(items.count == 3)
        #expect(pairs[2].value.position == m["s0"])
        #expect(items[0].scalar == "one")
        #expect(items[0].position.column == m["s0"].column + 2)
        #expect(items[1].position == m["inner"])
        #expect(items[1].mapping?.first?.key.scalar == "k")
        let flow = try #require(items[2].sequence)
        #expect(flow.map(\.scalar) == ["x", "y"])
        #expect(flow[0].position == m["f0"])
        #expect(flow[1].position == m["f1"])
        #expect(items[2].position == m["s2"].advanced(by: 2))
    }

    @Test func explicitTagsAreKept() throws {
        let root = try #require(try load("a: !!str 5\nb: 5"))
        #expect(value(root, "a")?.tag == "tag:yaml.org,2002:str")
        #expect(value(root, "b")?.tag == nil)
    }

    // MARK: - Anchors, aliases, merge keys

    @Test func aliasesCopyTheAnchoredNodeAtTheAliasPosition() throws {
        let m = MarkedText("""
            base: &b
              model: fast
              seconds: 4
            copy: ⟨alias⟩*b
            """)
        let root = try #require(try load(m.text))
        let copy = try #require(value(root, "copy"))
        #expect(copy.position == m["alias"])
        #expect(copy.mapping?.map(\.key.scalar) == ["model", "seconds"])
        #expect(value(copy, "seconds")?.scalar == "4")
    }

    @Test func mergeKeyExplicitKeysWinAndFirstMergedMappingWins() throws {
        let root = try #require(try load("""
            x-base: &base {model: m1, seconds: 4}
            x-other: &other {seconds: 6, size: s2, model: m2}
            shot:
              <<: [*base, *other]
              seconds: 8
              prompt: p
            single:
              <<: *other
              size: mine
            """))
        let shot = try #require(value(root, "shot"))
        #expect(shot.mapping?.map(\.key.scalar) == ["model", "size", "seconds", "prompt"])
        #expect(value(shot, "model")?.scalar == "m1")
        #expect(value(shot, "seconds")?.scalar == "8")
        #expect(value(shot, "size")?.scalar == "s2")
        let single = try #require(value(root, "single"))
        #expect(single.mapping?.map(\.key.scalar) == ["seconds", "model", "size"])
        #expect(value(single, "size")?.scalar == "mine")
        // A quoted "<<" is an ordinary key.
        let quoted = try #require(try load("a:\n  '<<': 1"))
        #expect(value(quoted, "a")?.mapping?.first?.key.scalar == "<<")
    }

    /// Mappings of more than 16 keys take the set-based paths for duplicates and merges.
    @Test func mergeKeyInLargeMappings() throws {
        let base = (1...20).map { "  k\($0): base\($0)" }.joined(separator: "\n")
        let own = (15...35).map { "  k\($0): own\($0)" }.joined(separator: "\n")
        let root = try #require(try load("base: &b\n\(base)\nmerged:\n  <<: *b\n\(own)\n"))
        let pairs = try #require(value(root, "merged")?.mapping)
        let keys = pairs.compactMap(\.key.scalar)
        // The merged keys not given explicitly (k1...k14) take the place of '<<', then the explicit
        // keys (k15...k35, with their own values).
        #expect(keys == (1...14).map { "k\($0)" } + (15...35).map { "k\($0)" })
        #expect(pairs.first { $0.key.scalar == "k20" }?.value.scalar == "own20")
        #expect(pairs.first { $0.key.scalar == "k3" }?.value.scalar == "base3")
        #expect(Set(keys).count == keys.count)
    }

    /// A key written as an alias of a scalar is the same key as that scalar.
    @Test func aliasedKeyIsADuplicateOfTheSameText() throws {
        let error = try #require(failure("name: &n shot\nother:\n  shot: 1\n  *n : 2\n"))
        #expect(error.message == "duplicate key 'shot' in this mapping")
        #expect(error.location == loc(Pos(line: 4, column: 3)))
        #expect(error.notes.first?.location == loc(Pos(line: 3, column: 3)))
    }

    @Test func mergeKeyNeedsAMapping() throws {
        let m = MarkedText("a: &a 5\nb:\n  <<: ⟨v⟩*a\n")
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["v"]))
        #expect(error.message.contains("merge key '<<' takes a mapping"))
    }

    @Test func undefinedAlias() throws {
        let m = MarkedText("a: 1\nb: ⟨x⟩*nope\n")
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["x"]))
        #expect(error.message.contains("*nope"))
        #expect(error.message.contains("no anchor"))
        // An alias cannot refer to the node that encloses it (no infinite tree).
        let self_ = MarkedText("a: &a [1, ⟨x⟩*a]")
        #expect(failure(self_.text)?.location == loc(self_["x"]))
    }

    @Test func billionLaughsFailsFastWithTheExpansionError() throws {
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for i in 1..<names.count {
            let alias = "*\(names[i - 1])"
            // Expansion passes 1,000,000 nodes at the first alias of line g.
            let first = names[i] == "g" ? "⟨boom⟩" + alias : alias
            lines.append("\(names[i]): &\(names[i]) [\(([first] + Array(repeating: alias, count: 8)).joined(separator: ","))]")
        }
        let m = MarkedText(lines.joined(separator: "\n"))
        let clock = ContinuousClock()
        var error: YAMLError?
        let elapsed = clock.measure { error = failure(m.text) }
        let e = try #require(error)
        #expect(e.message.contains("more than 1000000 nodes"))
        #expect(e.message.contains("alias bomb"))
        #expect(e.location == loc(m["boom"]))
        #expect(elapsed < .seconds(2))
        // The cap is configurable.
        let small = YAMLLoader(maxAliasExpansion: 5)
        let m2 = MarkedText("a: &a [1, 2]\nb: [*a, ⟨x⟩*a]")
        #expect(failure(m2.text, loader: small)?.location == loc(m2["x"]))
        #expect(try load("a: &a [1, 2]\nb: [*a]", loader: small) != nil)
    }

    // MARK: - Errors

    @Test(arguments: [3, 30])
    func duplicateKeyInSmallAndLargeMappings(keys: Int) throws {
        // Small mappings are checked pairwise, large ones with a set: both must point at both places.
        var lines = (0..<keys).map { "k\($0): v" }
        lines.append("k1: again")
        let error = try #require(failure(lines.joined(separator: "\n") + "\n"))
        #expect(error.message == "duplicate key 'k1' in this mapping")
        #expect(error.location == loc(Pos(line: keys + 1, column: 1)))
        #expect(error.notes.first?.location == loc(Pos(line: 2, column: 1)))
    }

    @Test func duplicateKeyPointsAtBothPlaces() throws {
        let m = MarkedText("""
            shots:
              - id: a
                ⟨first⟩prompt: one
                seconds: 4
                ⟨second⟩prompt: two
            """)
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["second"]))
        #expect(error.message == "duplicate key 'prompt' in this mapping")
        #expect(error.notes.count == 1)
        #expect(error.notes.first?.location == loc(m["first"]))
        #expect(error.notes.first?.severity == .note)
        #expect(error.diagnostic.severity == .error)
    }

    @Test func deepNestingIsAnError() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = try #require(failure(deep))
        #expect(error.message.contains("deeper than 256"))
        #expect(error.location == loc(Pos(line: 1, column: 257)))
        let m = MarkedText("a: [[⟨x⟩[1]]]")
        let shallow = YAMLLoader(maxDepth: 3)
        #expect(failure(m.text, loader: shallow)?.location == loc(m["x"]))
        #expect(try load("a: [[1]]", loader: shallow) != nil)
    }

    @Test func syntaxErrorHasProblemAndContextPositions() throws {
        let m = MarkedText("version: 1\nname: ⟨context⟩\"unterminated\n⟨problem⟩")
        let error = try #require(failure(m.text))
        #expect(error.message.hasPrefix("YAML syntax error: "))
        #expect(error.message.contains("end of stream"))
        #expect(error.location == loc(m["problem"]))
        #expect(error.notes.count == 1)
        #expect(error.notes.first?.location == loc(m["context"]))
        #expect(error.notes.first?.message.contains("quoted scalar") == true)
    }

    @Test func syntaxErrorAtEndOfFileWithoutNewline() throws {
        // The file has one line; libyaml reports the end of the stream on line 2.
        let error = try #require(failure("a: [1, 2"))
        #expect(error.message.contains("did not find expected ',' or ']'"))
        #expect(error.notes.first?.location == loc(Pos(line: 1, column: 4)))
        // libyaml reports the end of the stream on line 2; the loader points at the end of line 1.
        #expect(error.location == loc(Pos(line: 1, column: 9)))
    }

    @Test func syntaxErrorWithoutContext() throws {
        let m = MarkedText("a: 1\n  b⟨colon⟩: 2\n")
        let error = try #require(failure(m.text))
        #expect(error.message.contains("mapping values are not allowed"))
        #expect(error.location == loc(m["colon"]))
    }

    @Test func emptyFileHasNoRoot() throws {
        #expect(try load("") == nil)
        #expect(try load("# only a comment\n\n") == nil)
        #expect(try load("---\n") != nil)  // an explicit empty document: a null root
        #expect(try load("---\n")?.isNull == true)
    }

    @Test func secondDocumentIsAnError() throws {
        let m = MarkedText("a: 1\n⟨doc⟩---\nb: 2\n")
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["doc"]))
        #expect(error.message.contains("second document"))
        // One document with explicit markers is fine.
        #expect(try load("---\na: 1\n...\n") != nil)
    }

    @Test func utf8ByteOrderMarkIsAccepted() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("version: 1\nname: x\n".utf8)
        let root = try #require(try YAMLLoader().load(bytes: bytes, file: file).root)
        #expect(root.mapping?.map(\.key.scalar) == ["version", "name"])
        #expect(value(root, "version")?.scalar == "1")
        #expect(value(root, "name")?.position == Pos(line: 2, column: 7))
        // The BOM is invisible: it shifts no column on the first line.
        #expect(value(root, "version")?.position == Pos(line: 1, column: 10))
        #expect(root.mapping?.first?.key.position == Pos(line: 1, column: 1))
    }

    @Test(arguments: [[UInt8]([0xFE, 0xFF, 0x00, 0x61]), [0xFF, 0xFE, 0x61, 0x00]])
    func utf16ByteOrderMarkIsAnError(bytes: [UInt8]) throws {
        let error = try #require(failure(bytes))
        #expect(error.message.contains("UTF-16"))
        #expect(error.location == loc(Pos(line: 1, column: 1)))
    }

    @Test func tabsInIndentation() throws {
        let m = MarkedText("shots:\n⟨tab⟩\t- id: a\n")
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["tab"]))
        #expect(error.message.contains("tabs cannot indent YAML"))
    }

    @Test func tabHintAfterNonASCIIText() throws {
        // Positions and the tab hint must survive multi-byte characters earlier in the file.
        let m = MarkedText("name: café ☕︎\nshots:\n⟨tab⟩\t- id: a\n")
        let error = try #require(failure(m.text))
        #expect(error.location == loc(m["tab"]))
        #expect(error.message.contains("tabs cannot indent YAML"))
    }

    @Test func invalidUTF8PointsAtTheBadByte() throws {
        let bytes = Array("version: 1\nname: é".utf8) + [0xFF] + Array("x\n".utf8)
        let error = try #require(failure(bytes))
        #expect(error.message.contains("not valid UTF-8"))
        // Columns count characters: "name: é" is 7 characters, the bad byte is the 8th.
        #expect(error.location == loc(Pos(line: 2, column: 8)))
        let truncated = Array("a: b".utf8) + [0xE2, 0x82]
        #expect(failure(truncated)?.location == loc(Pos(line: 1, column: 5)))
    }

    @Test func nulByteIsAnError() throws {
        let bytes = Array("a: 1\nb: xy".utf8) + [0] + Array("z".utf8)
        let error = try #require(failure(bytes))
        #expect(error.message.contains("NUL"))
        #expect(error.location == loc(Pos(line: 2, column: 6)))
    }

    @Test func controlCharacterIsAReaderError() throws {
        let bytes = Array("a: x".utf8) + [0x07]
        let error = try #require(failure(bytes))
        #expect(error.location == loc(Pos(line: 1, column: 5)))
    }

    /// Files are read exactly, whatever their size; under the accelerated strategy, buffers of a
    /// MiB and more are read into pages mapped in advance (`Memory.prefault`).
    @Test func largeFilesAreReadExactly() throws {
        let dir = TempDir()
        for size in [(1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 12_345] {
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                for i in 0..<size { buffer[i] = UInt8(truncatingIfNeeded: 0x20 &+ (i &* 7 &+ i >> 12) % 95) }
                count = size
            }
            let path = dir.path + "/big-\(size).yaml"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            #expect(try YAMLLoader.read(file: path) == bytes)
            #expect(try LoadStrategy.accelerated.read(file: path) == bytes)
        }
        // A buffer that does not start on a page: only its whole pages are mapped, and it keeps its bytes.
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 3 << 20, alignment: 1)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 7)
        Memory.prefault(UnsafeMutableRawBufferPointer(rebasing: raw[123...]))
        #expect(raw.allSatisfy { $0 == 7 })
    }

    @Test func missingFileAndDirectory() throws {
        let dir = TempDir()
        do {
            _ = try YAMLLoader.read(file: dir.path + "/nope.yaml")
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.message == "no such file: \(dir.path)/nope.yaml")
            #expect(error.location == nil)
        }
        do {
            _ = try YAMLLoader.read(file: dir.path)
            Issue.record("reading a directory succeeded")
        } catch {
            #expect(error.message.contains("is a directory"))
            #expect(error.location == nil)
        }
        let path = dir.write("ok.yaml", "a: 1\n")
        #expect(try YAMLLoader.read(file: path) == Array("a: 1\n".utf8))
        let (document, text) = try YAMLLoader().load(file: path)
        #expect(text == "a: 1\n")
        #expect(document.file == path)
        #expect(document.root?.mapping?.count == 1)
    }

    @Test func loaderDiagnosticsReachManifestLoader() throws {
        let dir = TempDir()
        let result = ManifestLoader.load(file: dir.path + "/missing.yaml")
        #expect(result.isValid == false)
        #expect(result.plan == nil)
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.message.contains("no such file") == true)
        let m = MarkedText("version: 1\nshots: [⟨x⟩*undefined]\n")
        let path = dir.write("alias.yaml", m.text)
        let aliasResult = ManifestLoader.load(file: path)
        #expect(aliasResult.diagnostics.map(\.location) == [Loc(file: path, position: m["x"])])
    }
}

extension Pos {
    func advanced(by columns: Int) -> Pos { Pos(line: line, column: column + columns) }
}
