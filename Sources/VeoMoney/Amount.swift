/// An exact amount of money in micro-units (a millionth of the currency's unit), with no currency
/// of its own: the value money is added, compared and stored in. Binary floating point never
/// holds money here (0.1 + 0.2 is 0.3; 10,000 jobs of 0.60 are 6,000.00 to the micro-unit).
///
/// Amounts read from outside (a price, a budget, a ledger line) are at most ``maximum`` (a billion
/// units); arithmetic saturates rather than trapping, so even a hostile ledger cannot crash a run.
public struct Amount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Millionths of the currency's unit.
    public let micros: Int64

    public static let microsPerUnit: Int64 = 1_000_000
    public static let zero = Amount(micros: 0)
    /// The largest amount read from outside: 10^9 units.
    public static let maximum = Amount(micros: 1_000_000_000 * microsPerUnit)

    public init(micros: Int64) {
        self.micros = micros
    }

    /// Whole units and micro-units: `Amount(units: 1, micros: 250_000)` is 1.25.
    public init(units: Int64, micros: Int64 = 0) {
        self.micros = units * Self.microsPerUnit + micros
    }

    public static func < (a: Amount, b: Amount) -> Bool { a.micros < b.micros }
    public static func + (a: Amount, b: Amount) -> Amount {
        let (sum, overflow) = a.micros.addingReportingOverflow(b.micros)
        return Amount(micros: overflow ? (b.micros < 0 ? .min : .max) : sum)
    }
    public static func - (a: Amount, b: Amount) -> Amount {
        let (difference, overflow) = a.micros.subtractingReportingOverflow(b.micros)
        return Amount(micros: overflow ? (b.micros > 0 ? .min : .max) : difference)
    }
    public static func += (a: inout Amount, b: Amount) { a = a + b }
    public static func -= (a: inout Amount, b: Amount) { a = a - b }
    /// A rate per second times whole seconds.
    public static func * (a: Amount, n: Int) -> Amount {
        let (product, overflow) = a.micros.multipliedReportingOverflow(by: Int64(n))
        return Amount(micros: overflow ? ((a.micros < 0) != (n < 0) ? .min : .max) : product)
    }

    public var isNegative: Bool { micros < 0 }

    /// Rounded half away from zero to whole cents (hundredths), as shown to people.
    public var roundedToCents: Amount {
        let cent: Int64 = 10_000
        let (q, r) = micros.quotientAndRemainder(dividingBy: cent)
        let up = abs(r) * 2 >= cent ? (micros < 0 ? -1 : 1) : 0
        return Amount(micros: (q + Int64(up)) * cent)
    }

    /// `0.60`, `1234.50`, `0.00` (never `-0.00`): two decimals, rounded half away from zero.
    public var twoDecimals: String {
        let cents = roundedToCents.micros / 10_000
        let sign = cents < 0 ? "-" : ""
        let (units, rest) = abs(cents).quotientAndRemainder(dividingBy: 100)
        return "\(sign)\(units).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// The exact value as decimal text with no trailing zeros: `0.6`, `12`, `0.000001`.
    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let (units, rest) = abs(micros).quotientAndRemainder(dividingBy: Self.microsPerUnit)
        guard rest != 0 else { return "\(sign)\(units)" }
        var fraction = String(rest)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(units).\(fraction)"
    }

    /// The value as a JSON number (the nearest double; its shortest text is the exact decimal for
    /// every amount up to ``maximum``).
    public var jsonNumber: Double { Double(micros) / Double(Self.microsPerUnit) }
}

// MARK: - Reading amounts

extension Amount {
    /// Why a text or number is not an amount.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// Not a decimal number (`abc`, `inf`, `nan`, `0x10`, a string in JSON).
        case notANumber
        case negative
        /// More than six decimals: finer than a micro-unit.
        case tooPrecise
        /// Above ``Amount/maximum`` (`1e308`).
        case tooLarge

        public var description: String {
            switch self {
            case .notANumber: "not a decimal number"
            case .negative: "negative"
            case .tooPrecise: "finer than a millionth (at most 6 decimals)"
            case .tooLarge: "larger than \(Amount.maximum.description)"
            }
        }
    }

    /// An amount from decimal text as written (`0.40`, `25`, `1.5e1`, `.5`, `-0`), exactly: never
    /// through binary floating point. Negative zero is zero; `-1` is ``Problem/negative``.
    public static func parse(_ text: String, maximum: Amount = .maximum) -> Result<Amount, Problem> {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let trimmed = text.drop(while: blank).reversed().drop(while: blank).reversed()
        guard let decimal = DecimalDigits(String(trimmed)) else { return .failure(.notANumber) }
        return decimal.amount(maximum: maximum)
    }

    /// An amount from a number written before amounts were exact (a ledger's `"usd":
    /// 0.6000000000000001`): rounded to the nearest micro-unit. Not finite, negative or too large
    /// is a problem.
    public static func rounding(_ value: Double, maximum: Amount = .maximum) -> Result<Amount, Problem> {
        guard value.isFinite else { return .failure(.notANumber) }
        guard value >= 0 else { return .failure(.negative) }
        let scaled = (value * Double(microsPerUnit)).rounded()
        guard scaled <= Double(maximum.micros), let micros = Int64(exactly: scaled) else { return .failure(.tooLarge) }
        return .success(Amount(micros: micros))
    }
}

/// `[+-]digits[.digits][e[+-]digits]`, split into its digits and a power of ten.
private struct DecimalDigits {
    var negative: Bool
    /// Significant digits, leading zeros removed.
    var digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    var exponent: Int

    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var mantissa: [UInt8] = []
        var fractionDigits = 0
        var seenDot = false, seenDigit = false
        while let b = bytes.first, b != UInt8(ascii: "e"), b != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: ".") {
                guard !seenDot else { return nil }
                seenDot = true
            } else if (0x30...0x39).contains(b) {
                seenDigit = true
                mantissa.append(b - 0x30)
                if seenDot { fractionDigits += 1 }
            } else {
                return nil
            }
        }
        guard seenDigit else { return nil }
        var power = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            let negativePower = bytes.first == UInt8(ascii: "-")
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard !bytes.isEmpty, bytes.count <= 6, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            power = bytes.reduce(0) { $0 * 10 + Int($1 - 0x30) } * (negativePower ? -1 : 1)
        }
        while mantissa.last == 0 {
            // Trailing zeros move into the exponent.
            mantissa.removeLast()
            power += 1
        }
        digits = Array(mantissa.drop { $0 == 0 })
        exponent = power - fractionDigits
    }

    func amount(maximum: Amount) -> Result<Amount, Amount.Problem> {
        if digits.isEmpty { return .success(.zero) }  // 0, -0, 0.000
        if negative { return .failure(.negative) }
        // micro-units = digits × 10^(exponent + 6)
        let shift = exponent + 6
        if shift < 0 { return .failure(.tooPrecise) }
        // Int64 holds 18 digits safely: more than that is too large for any maximum.
        if digits.count + shift > 18 { return .failure(.tooLarge) }
        var micros: Int64 = 0
        for d in digits + [UInt8](repeating: 0, count: shift) {
            let (times, o1) = micros.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(Int64(d))
            if o1 || o2 { return .failure(.tooLarge) }
            micros = plus
        }
        return micros > maximum.micros ? .failure(.tooLarge) : .success(Amount(micros: micros))
    }
}
