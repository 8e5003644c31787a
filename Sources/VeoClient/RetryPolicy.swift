public import Foundation
import VeoSupport

// MARK: - Retry policy (one per scope: submit, poll, download)

/// Exponential backoff with jitter, bounded in attempts and in delay.
///
/// The delay before retry `n` (1-based) is `initialDelay * multiplier^(n-1)`, capped at `maxDelay`,
/// then shortened by up to `jitter` of itself (so jitter never pushes a delay above `maxDelay`).
/// A server's `Retry-After` is a floor: the client never retries earlier than asked. When the server
/// asks for more than `maxDelay`, the client stops retrying and reports the answer.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first one included (1 = never retry).
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var multiplier: Double
    /// Fraction 0...1 of each delay that is randomised away.
    public var jitter: Double

    public init(maxAttempts: Int, initialDelay: Duration, maxDelay: Duration, multiplier: Double = 2, jitter: Double = 0.2) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
    }

    /// Creating a job: few attempts; only answers that prove the server did not take the job are retried.
    public static let submit = RetryPolicy(maxAttempts: 4, initialDelay: .seconds(2), maxDelay: .seconds(60))
    /// Status polls (idempotent GET).
    public static let poll = RetryPolicy(maxAttempts: 6, initialDelay: .seconds(1), maxDelay: .seconds(30))
    /// Downloads (idempotent GET); a truncated download is retried on its own.
    public static let download = RetryPolicy(maxAttempts: 4, initialDelay: .seconds(1), maxDelay: .seconds(30))

    /// The backoff before retry number `retry` (1 = the first retry), `random` in 0..<1.
    public func backoff(beforeRetry retry: Int, random: Double) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let base = min(initialDelay.seconds * pow(multiplier, exponent), maxDelay.seconds)
        let jittered = base * (1 - jitter * min(max(random, 0), 1))
        return .seconds(max(0, jittered))
    }

    /// The delay before retry `retry`, honouring the server's `Retry-After`; nil when the server asked
    /// for a longer wait than `maxDelay` allows (then the caller gives up).
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, random: Double) -> Duration? {
        let backoff = backoff(beforeRetry: retry, random: random)
        guard let retryAfter else { return backoff }
        if retryAfter > maxDelay { return nil }
        return max(backoff, retryAfter)
    }
}

// MARK: - Retry-After

public enum RetryAfter {
    /// Parses a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
    /// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, RFC 850 or asctime forms). A date in the past gives zero.
    public static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        if text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let seconds = Int64(text) else { return nil }
            return .seconds(seconds)
        }
        let formats = [
            "EEE, dd MMM yyyy HH:mm:ss zzz",  // IMF-fixdate
            "EEEE, dd-MMM-yy HH:mm:ss zzz",  // RFC 850
            "EEE MMM d HH:mm:ss yyyy",  // asctime
        ]
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                let interval = date.timeIntervalSince(now)
                return interval <= 0 ? .zero : .milliseconds(Int64(Int(rounding: interval * 1000, within: 0...Int(Int64.max / 2)) ?? 0))
            }
        }
        return nil
    }
}

