/// Whole numbers from floating-point values that came from outside (a journal, a report, a cache
/// record, a server): `Int(_: Double)` traps on infinity, NaN or a value past `Int`'s range, and a
/// trap there would crash every later run of the folder. These never trap.
extension Int {
    /// `value` rounded by `rule` and clamped to `bounds`; nil when `value` is NaN.
    public init?(rounding value: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero, within bounds: ClosedRange<Int>) {
        guard !value.isNaN else { return nil }
        let clamped = Swift.min(Swift.max(value.rounded(rule), Double(bounds.lowerBound)), Double(bounds.upperBound))
        // Within `bounds` by construction; `exactly` only fails for bounds beyond 2^53, which
        // `Double` cannot hold exactly: then the nearest bound.
        self = Int(exactly: clamped) ?? (clamped < 0 ? bounds.lowerBound : bounds.upperBound)
    }
}
