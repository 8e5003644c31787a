import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

/// The fixtures shared with scripts/check-schemas.sh. Each invalid fixture says where its error is,
/// in a header comment: `# expect: LINE:COLUMN: message fragment`.
@Suite("Fixtures")
struct FixtureTests {
    static let valid = Paths.fixtures("valid")
    static let invalid = Paths.fixtures("invalid")

    @Test func fixturesArePresent() {
        #expect(Self.valid.count >= 5)
        #expect(Self.invalid.count >= 30)
        #expect(Self.invalid.contains { $0.hasPrefix("semantic-") })
    }

    @Test(arguments: valid)
    func validFixture(name: String) throws {
        let path = Paths.fixtures.appendingPathComponent("valid/\(name)").path
        let result = ManifestLoader.load(file: path)
        #expect(result.isValid)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(try #require(result.plan).jobs.isEmpty == false)
    }

    @Test(arguments: invalid)
    func invalidFixture(name: String) throws {
        let path = Paths.fixtures.appendingPathComponent("invalid/\(name)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("# expect: ") }, "\(name) has no '# expect:' line")
        let match = try #require(header.wholeMatch(of: /# expect: (\d+):(\d+): (.+)/), "bad header in \(name): \(header)")
        let expected = Loc(file: path, line: Int(match.1)!, column: Int(match.2)!)

        let result = ManifestLoader.load(file: path)
        #expect(!result.isValid)
        #expect(result.plan == nil)
        // The error the fixture is about (others may follow from it, e.g. a misspelt 'prompt' is also a missing one).
        let error = result.diagnostics.first { $0.severity == .error && $0.message.contains(match.3) }
        expectDiagnostic(error, at: expected, contains: [String(match.3)])
    }

    @Test func semanticFixturesLoadAsYAML() throws {
        // The not-schema-expressible fixtures are well-formed YAML: the problem is in the meaning.
        for name in Self.invalid where name.hasPrefix("semantic-") {
            let path = Paths.fixtures.appendingPathComponent("invalid/\(name)").path
            #expect(throws: Never.self, "\(name)") { _ = try YAMLLoader().load(file: path) }
        }
    }
}
