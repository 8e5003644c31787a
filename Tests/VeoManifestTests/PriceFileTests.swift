import Foundation
import Testing

@testable import VeoManifest
import VeoMoney
import VeoProvider

/// `--prices FILE` is read by the manifest's YAML loader and its reading of `prices:` (issue 23):
/// every problem is a diagnostic at `file:line:column`, as in a manifest.
@Suite("Price files are checked like manifests, at file:line:column")
struct PriceFileTests {
    /// The file's diagnostics, and where the text's markers are.
    private func load(_ marked: String) -> (loaded: PriceFile.Loaded, path: String, marks: MarkedText) {
        let text = MarkedText(marked)
        let dir = TempDir()
        let path = dir.write("prices.json", text.text)
        return (PriceFile.load(path: path), path, text)
    }

    @Test func aMisspeltModelIsAnErrorAtItsKeyWithASuggestion() {
        let (loaded, path, marks) = load(#"{"currency": "USD", "rates": {⟨m⟩"veo-3.1-generate-previw": {"720p": 0.4, "1080p": 0.4}}}"#)
        #expect(loaded.table == nil)
        #expect(loaded.diagnostics.count == 1)
        expectDiagnostic(
            loaded.diagnostics.first, at: Loc(file: path, position: marks["m"]),
            contains: ["unknown model 'veo-3.1-generate-previw'", "did you mean 'veo-3.1-generate-preview'"])
        // Rendered as a compiler renders it: file:line:column, the line, a caret.
        let rendered = DiagnosticRenderer(sources: loaded.sources, useColor: false).render(loaded.diagnostics)
        #expect(rendered.contains("\(path):1:31: error: unknown model"), "\(rendered)")
    }

    @Test func anotherCurrencyMustPriceEveryModel() throws {
        let (loaded, path, marks) = load(#"{"currency": "EUR", "rates": ⟨r⟩{"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}}}"#)
        expectDiagnostic(
            loaded.diagnostics.first, at: Loc(file: path, position: marks["r"]),
            contains: ["'rates' is in EUR, so it must price 'veo-3.1-fast-generate-preview' too"])
        // Priced in full, it is accepted and no USD figure is left in it.
        let full = load(#"{"currency": "EUR", "rates": {"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}, "veo-3.1-fast-generate-preview": {"720p": 0.09, "1080p": 0.11}}}"#)
        let table = try #require(full.loaded.table)
        #expect(table.currency.rawValue == "EUR")
        #expect(table.rate(model: .fast, size: .landscape720) == Amount(micros: 90_000))
        #expect(table.source == full.path)
    }

    @Test(arguments: [
        #"{"rates": {"veo-3.1-fast-generate-preview": {"720p": ⟨x⟩-1, "1080p": 0.1}}}"#,
        #"{"rates": {"veo-3.1-fast-generate-preview": {"720p": ⟨x⟩true, "1080p": 0.1}}}"#,
        #"{"rates": {"veo-3.1-fast-generate-preview": {"720p": ⟨x⟩1e308, "1080p": 0.1}}}"#,
        #"{"rates": {"veo-3.1-fast-generate-preview": {"720p": 0.1, "1080p": 0.1, ⟨x⟩"4k": 1}}}"#,
        #"{"currency": ⟨x⟩"euro", "rates": {}}"#,
        #"{⟨x⟩"curency": "USD", "rates": {}}"#,
        #"⟨x⟩{"currency": "USD"}"#,
        "{\n  \"rates\": {\n    \"veo-3.1-fast-generate-preview\": ⟨x⟩{\"720p\": 0.1}\n  }\n}",
    ])
    func badValuesAreReportedAtTheirNode(json: String) {
        let (loaded, path, marks) = load(json)
        #expect(loaded.table == nil)
        #expect(loaded.diagnostics.contains { $0.location == Loc(file: path, position: marks["x"]) }, "\(loaded.diagnostics)")
    }

    @Test func aSyntaxErrorHasItsPlaceAndAMissingFileIsOneClearProblem() {
        let (loaded, path, _) = load("{\"rates\": {\n")
        #expect(loaded.table == nil)
        #expect(loaded.diagnostics.first?.location?.file == path)
        #expect((loaded.diagnostics.first?.location?.position.line ?? 0) >= 1)
        let missing = PriceFile.load(path: "/nonexistent/prices.json")
        #expect(missing.table == nil)
        #expect(missing.diagnostics.count == 1)
    }

    @Test func aPriceFileAndAManifestBlockReadTheSame() throws {
        let file = load(#"{"rates": {"veo-3.1-generate-preview": {"720p": 0.8, "1080p": "0.9"}}}"#)
        let c = ManifestCase("version: 1\nprices:\n  veo-3.1-generate-preview: {720p: 0.8, 1080p: \"0.9\"}\nshots:\n  - {id: a, prompt: p}\n")
        let fromFile = try #require(file.loaded.table)
        let fromManifest = try #require(c.result.manifest?.prices?.value)
        for model in VideoModel.allCases { #expect(fromFile.rate(model) == fromManifest.rate(model)) }
    }
}
