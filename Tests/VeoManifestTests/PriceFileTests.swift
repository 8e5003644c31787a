import Foundation
import Testing

@testable import VeoManifest
import VeoProvider

@Suite("Price files are checked like manifests")
struct PriceFileTests {
    private func problems(_ json: String) -> [PriceFile.Problem] {
        let dir = TempDir()
        switch PriceFile.load(path: dir.write("prices.json", json)) {
        case .success: return []
        case .failure(let failure): return failure.all
        }
    }

    @Test func aMisspeltModelIsAnErrorWithASuggestion() {
        let found = problems(#"{"currency": "USD", "rates": {"veo-3.1-generate-previw": {"720p": 0.4, "1080p": 0.4}}}"#)
        #expect(found.count == 1)
        #expect(found.first?.keyPath == "rates.veo-3.1-generate-previw")
        #expect(found.first?.message.contains("did you mean 'veo-3.1-generate-preview'") == true, "\(found)")
    }

    @Test func anotherCurrencyMustPriceEveryModel() {
        let found = problems(#"{"currency": "EUR", "rates": {"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}}}"#)
        #expect(found.map(\.keyPath) == ["rates.veo-3.1-fast-generate-preview"])
        #expect(found.first?.message.contains("in EUR every model needs a price") == true, "\(found)")
        // Priced in full, it is accepted and no USD figure is left in it.
        let dir = TempDir()
        let full = dir.write("p.json", #"{"currency": "EUR", "rates": {"veo-3.1-generate-preview": {"720p": 0.37, "1080p": 0.37}, "veo-3.1-fast-generate-preview": {"720p": 0.09, "1080p": 0.11}}}"#)
        let table = try? PriceFile.load(path: full).get()
        #expect(table?.currency == "EUR")
        #expect(table?.rate(model: .fast, size: .landscape720) == 0.09)
    }

    @Test func aMissingResolutionNamesItsKeyPath() {
        let found = problems(#"{"rates": {"veo-3.1-fast-generate-preview": {"720p": 0.1}}}"#)
        #expect(found.map(\.keyPath) == ["rates.veo-3.1-fast-generate-preview.1080p"])
        #expect(found.first?.message.contains("missing") == true)
    }

    @Test(arguments: [
        (#"{"rates": {"veo-3.1-fast-generate-preview": {"720p": -1, "1080p": 0.1}}}"#, "rates.veo-3.1-fast-generate-preview.720p"),
        (#"{"rates": {"veo-3.1-fast-generate-preview": {"720p": "0.1", "1080p": 0.1}}}"#, "rates.veo-3.1-fast-generate-preview.720p"),
        (#"{"rates": {"veo-3.1-fast-generate-preview": {"720p": true, "1080p": 0.1}}}"#, "rates.veo-3.1-fast-generate-preview.720p"),
        (#"{"rates": {"veo-3.1-fast-generate-preview": {"720p": 0.1, "1080p": 0.1, "4k": 1}}}"#, "rates.veo-3.1-fast-generate-preview.4k"),
        (#"{"currency": "euro", "rates": {}}"#, "currency"),
        (#"{"curency": "USD", "rates": {}}"#, "curency"),
        (#"{"currency": "USD"}"#, "rates"),
    ])
    func badValuesAreReportedAtTheirKey(json: String, keyPath: String) {
        let found = problems(json)
        #expect(found.map(\.keyPath).contains(keyPath), "\(found)")
    }

    @Test func notJSONOrMissingIsOneClearProblem() {
        #expect(problems("{").first?.message.contains("not a JSON object") == true)
        let missing = PriceFile.load(path: "/nonexistent/prices.json")
        guard case .failure(let failure) = missing else { Issue.record("a missing file loaded"); return }
        #expect(failure.all.first?.message.contains("cannot read") == true)
    }
}
