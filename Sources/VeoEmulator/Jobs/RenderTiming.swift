/// How long each job takes from `queued` to its end: drawn per job, uniformly from
/// `seconds ± jitter`; a draw below ``shortest`` is raised to it. Without jitter every job takes
/// exactly `seconds`.
package struct RenderTiming: Sendable {
    /// The shortest render time a jittered draw gives.
    package static let shortest = 0.2

    package var seconds: Double
    package var jitter: Double

    package init(seconds: Double, jitter: Double) {
        self.seconds = max(0, seconds)
        self.jitter = jitter.isFinite ? max(0, jitter) : 0
    }

    /// One job's render time.
    package func draw(using random: inout some RandomNumberGenerator) -> Double {
        guard jitter > 0 else { return seconds }
        return max(Self.shortest, Double.random(in: (seconds - jitter)...(seconds + jitter), using: &random))
    }
}

/// A seeded pseudo-random generator (SplitMix64): the same seed gives the same numbers, so tests
/// can fix the render times the jitter draws.
package struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
