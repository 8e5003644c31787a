extension Duration {
    /// The duration in seconds, as a `Double` (for arithmetic, figures and messages).
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
