/// A currency code: three capital letters (`USD`, `EUR`).
public struct Currency: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) {
        guard rawValue.utf8.count == 3, rawValue.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else { return nil }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The currency of the provider's list prices.
    public static let usd = Currency(rawValue: "USD")!
}

/// An amount in a currency: what people are shown (`0.60 USD`) and the report records.
public struct Money: Sendable, Hashable, CustomStringConvertible {
    public var amount: Amount
    public var currency: Currency

    public init(_ amount: Amount, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    /// `0.60 USD`: two decimals (never `-0.00`), then the currency. The one money format of every
    /// view: the terminal, `plan`, the contact sheet, JUnit and the step summary.
    public var description: String { "\(amount.twoDecimals) \(currency)" }
}
