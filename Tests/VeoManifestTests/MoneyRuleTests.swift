import Foundation
import Testing

@testable import VeoManifest
import VeoMoney
import VeoProvider

/// `budget:` and `prices:` in a manifest (issue 15), each rule at its line and column.
@Suite("Budget and prices in the manifest")
struct MoneyRuleTests {
    static func manifest(_ money: String) -> String {
        "version: 1\n" + money + "\nshots:\n  - {id: a, prompt: p}\n"
    }

    @Test func aBudgetAndPricesAreRead() throws {
        let c = ManifestCase(Self.manifest("""
            budget:
              max_usd: 25
              max_video_seconds: 120
            prices:
              currency: USD
              veo-3.1-generate-preview: {720p: 0.35, 1080p: 0.45}
            """))
        #expect(c.result.diagnostics.isEmpty, "\(c.describe())")
        let manifest = try #require(c.result.manifest)
        #expect(manifest.budget?.maxUSD?.value == Amount(units: 25))
        #expect(manifest.budget?.maxUSD?.position == Pos(line: 3, column: 12))
        #expect(manifest.budget?.maxVideoSeconds?.value == 120)
        #expect(manifest.prices?.value.rate(model: .standard, size: .landscape1080) == Amount(micros: 450_000))
        #expect(manifest.prices?.value.rate(model: .fast, size: .landscape720) == Amount(micros: 100_000))  // list price kept
    }

    @Test func aNegativeBudgetIsAnError() {
        let c = ManifestCase(Self.manifest("budget:\n  max_usd: ⟨v⟩-5"))
        expectDiagnostic(c.singleError(), at: c.location("v"), contains: ["'max_usd' must be an amount in USD from 0", "'-5'", "negative"])
    }

    @Test func anUnknownBudgetKeyIsAnErrorWithASuggestion() {
        let c = ManifestCase(Self.manifest("budget:\n  ⟨k⟩max_uds: 5\n  max_usd: 10"))
        expectDiagnostic(c.singleError(), at: c.location("k"), contains: ["unknown key 'max_uds' in 'budget'", "did you mean 'max_usd'"])
    }

    @Test func anUnknownModelInPricesIsAnErrorWithASuggestion() {
        let c = ManifestCase(Self.manifest("prices:\n  ⟨m⟩veo-3.1-generate-previw: {720p: 0.4, 1080p: 0.4}"))
        expectDiagnostic(c.singleError(), at: c.location("m"), contains: ["unknown model 'veo-3.1-generate-previw'", "did you mean 'veo-3.1-generate-preview'"])
    }

    @Test func anUnknownResolutionAndANegativePriceAreErrorsAtTheirNodes() {
        let c = ManifestCase(Self.manifest("prices:\n  veo-3.1-generate-preview: {⟨r⟩4k: 1, 720p: ⟨p⟩-0.4, 1080p: 0.4}"))
        let errors = c.errors
        expectDiagnostic(errors.first { $0.message.contains("unknown resolution") }, at: c.location("r"), contains: ["unknown resolution '4k'"])
        expectDiagnostic(errors.first { $0.message.contains("from 0") }, at: c.location("p"), contains: ["at 720p must be a number from 0 to 1000", "'-0.4'"])
    }

    @Test func anotherCurrencyMustPriceEveryModelAndCannotMeetAUSDBudget() {
        let c = ManifestCase(Self.manifest("""
            budget:
              max_usd: ⟨b⟩10
            prices:
              ⟨p⟩currency: EUR
              veo-3.1-generate-preview: {720p: 0.37, 1080p: 0.37}
            """))
        let errors = c.errors
        expectDiagnostic(errors.first { $0.message.contains("must price 'veo-3.1-fast-generate-preview'") }, at: c.location("p"), contains: ["'prices' is in EUR"])
        expectDiagnostic(errors.first { $0.message.contains("'budget.max_usd' is in USD") }, at: c.location("b"), contains: ["give the prices in USD"])
    }

    @Test func aModelMissingAResolutionIsAnError() {
        let c = ManifestCase(Self.manifest("prices:\n  veo-3.1-fast-generate-preview: ⟨m⟩{720p: 0.1}"))
        expectDiagnostic(c.singleError(), at: c.location("m"), contains: ["'veo-3.1-fast-generate-preview' has no price at 1080p"])
    }

    /// Issue 24 item 13: a price of 1e308 made `plan` say `inf USD` and `run` write no report.
    @Test(arguments: ["1e308", "1001", ".inf", "nan", "0x10", "0.0000001"])
    func anAbsurdPriceIsAnErrorAtItsNode(price: String) {
        let c = ManifestCase(Self.manifest("prices:\n  veo-3.1-fast-generate-preview: {720p: ⟨p⟩\(price), 1080p: 0.1}"))
        expectDiagnostic(c.singleError(), at: c.location("p"), contains: ["at 720p must be a number from 0 to 1000", "'\(price)'"])
    }

    @Test func pricesAreReadExactlyAsWritten() throws {
        let c = ManifestCase(Self.manifest("prices:\n  veo-3.1-fast-generate-preview: {720p: 0.1, 1080p: \"1.5e-1\"}\nbudget: {max_usd: -0}"))
        let prices = try #require(c.result.manifest?.prices?.value, "\(c.describe())")
        #expect(prices.rate(model: .fast, size: .landscape720) == Amount(micros: 100_000))
        #expect(prices.rate(model: .fast, size: .landscape1080) == Amount(micros: 150_000))
        #expect(c.result.manifest?.budget?.maxUSD?.value == .zero)  // -0 is 0, never "-0.00 USD"
    }
}
