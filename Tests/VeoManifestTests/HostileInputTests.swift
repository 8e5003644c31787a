import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// Inputs built to make the loader slow: deep nesting, a key of megabytes.
@Suite("Hostile input")
struct HostileInputTests {
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
