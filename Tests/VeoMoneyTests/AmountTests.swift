import Testing
import VeoMoney
import VeoProvider

@Suite("Money is exact")
struct AmountTests {
    /// Issue 23: the ledger held `0.6000000000000001` for a 0.60 job; 10,000 of them must be exact to the cent.
    @Test func tenThousandJobsOfSixtyCentsAreExact() throws {
        let job = try Amount.parse("0.60").get()
        var total = Amount.zero
        for _ in 0..<10_000 { total += job }
        #expect(total == Amount(units: 6_000))
        #expect(Money(total, .usd).description == "6000.00 USD")
        // What binary floating point gave: off by more than it should be.
        var double = 0.0
        for _ in 0..<10_000 { double += 0.6 }
        #expect(double != 6_000)
    }

    @Test func theListPricesAreExactAndOneFormulaPricesARequest() {
        let request = GenerationRequest(model: .standard, prompt: "p", seconds: .eight, size: .landscape720)
        #expect(PriceTable.listPrices.cost(of: request) == Amount(micros: 3_200_000))
        #expect(PriceTable.listPrices.money(of: request).description == "3.20 USD")
        #expect(PriceTable.listPrices.isListPrices)
    }

    @Test(arguments: [
        ("0.40", 400_000), ("25", 25_000_000), (".5", 500_000), ("5.", 5_000_000), ("1.5e1", 15_000_000), ("4e-1", 400_000),
        ("-0", 0), ("0.000001", 1), (" 7 ", 7_000_000), ("+2", 2_000_000), ("100e-2", 1_000_000),
    ] as [(String, Int64)])
    func decimalTextIsReadExactly(text: String, micros: Int64) {
        #expect((try? Amount.parse(text).get()) == Amount(micros: micros))
    }

    @Test(arguments: [
        ("1e308", Amount.Problem.tooLarge), ("-1", .negative), ("-0.01", .negative), ("inf", .notANumber), ("nan", .notANumber),
        ("0x10", .notANumber), ("", .notANumber), ("1.2.3", .notANumber), ("0.0000001", .tooPrecise), ("1e", .notANumber),
        ("1000000001", .tooLarge), ("99999999999999999999999", .tooLarge),
    ])
    func absurdTextIsAProblem(text: String, problem: Amount.Problem) {
        guard case .failure(let found) = Amount.parse(text) else {
            Issue.record("'\(text)' was read as an amount")
            return
        }
        #expect(found == problem)
    }

    @Test func oldFloatingPointFiguresRoundToTheMicroUnit() {
        #expect((try? Amount.rounding(0.6000000000000001).get()) == Amount(micros: 600_000))
        #expect((try? Amount.rounding(-0.0).get()) == .zero)
        #expect(throws: Amount.Problem.self) { try Amount.rounding(.infinity).get() }
        #expect(throws: Amount.Problem.self) { try Amount.rounding(-0.5).get() }
        #expect(throws: Amount.Problem.self) { try Amount.rounding(1e308).get() }
    }

    @Test func twoDecimalsRoundHalfAwayFromZeroAndNeverSayMinusZero() {
        #expect(Amount(micros: 5_000).twoDecimals == "0.01")
        #expect(Amount(micros: 4_999).twoDecimals == "0.00")
        #expect(Amount(micros: -4_999).twoDecimals == "0.00")
        #expect(Amount(micros: 1_234_560_000).twoDecimals == "1234.56")
        #expect(Amount(micros: 600_000).description == "0.6")
        #expect(Amount(micros: 600_000).jsonNumber == 0.6)
    }

    @Test func arithmeticSaturatesInsteadOfTrapping() {
        let huge = Amount(micros: .max - 1)
        #expect(huge + huge == Amount(micros: .max))
        #expect(Amount(micros: .min + 1) - huge == Amount(micros: .min))
        #expect(huge * 8 == Amount(micros: .max))
    }
}

@Suite("Budgets: one rule for what fits, one currency")
struct BudgetLimitsTests {
    @Test func fitsIsExactAtTheLimit() {
        let limits = BudgetLimits(maxCostThisRun: Amount(micros: 1_200_000))
        let spent = Spent(amount: Amount(micros: 800_000), seconds: 8)
        #expect(limits.fits(Spent(amount: Amount(micros: 400_000), seconds: 4), spentTotal: spent, spentThisRun: spent))
        #expect(!limits.fits(Spent(amount: Amount(micros: 400_001), seconds: 4), spentTotal: spent, spentThisRun: spent))
        #expect(limits.remaining(spentTotal: spent, spentThisRun: spent) == Amount(micros: 400_000))
    }

    @Test func theSmallerRemainderWinsAndSecondsCountToo() {
        let limits = BudgetLimits(maxCostThisRun: Amount(units: 5), maxCostTotal: Amount(units: 3), maxSecondsTotal: 10)
        let total = Spent(amount: Amount(units: 2), seconds: 8)
        #expect(limits.remaining(spentTotal: total, spentThisRun: Spent()) == Amount(units: 1))
        #expect(!limits.fits(Spent(amount: .zero, seconds: 4), spentTotal: total, spentThisRun: Spent()))
        #expect(limits.budget == Amount(units: 3))
    }

    @Test func aBudgetAndPricesInDifferentCurrenciesAreRefused() throws {
        let eur = try #require(Currency(rawValue: "EUR"))
        let rate = PriceTable.Rate(p720: Amount(units: 1), p1080: Amount(units: 1))
        let prices = try #require(PriceTable(currency: eur, rates: [.standard: rate, .fast: rate], source: "eur.json"))
        let usdBudget = BudgetLimits(maxCostTotal: Amount(units: 100), sources: ["budget.max_usd 100.00 USD"])
        let mismatch = try #require(usdBudget.check(against: prices))
        #expect(mismatch.description.contains("the budget is in USD"))
        #expect(mismatch.description.contains("the prices are in EUR (eur.json)"))
        #expect(BudgetLimits(currency: eur, maxCostThisRun: Amount(units: 90)).check(against: prices) == nil)
        // A limit on seconds only has no currency to disagree with.
        #expect(BudgetLimits(maxSecondsTotal: 60).check(against: prices) == nil)
    }
}
