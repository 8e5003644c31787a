/// "did you mean" suggestions by edit distance.
public enum Suggest {
    /// `" (did you mean 'x'?)"`, or "" when nothing is close.
    public static func didYouMean(_ word: String, _ candidates: [String]) -> String {
        guard let best = closest(word, candidates) else { return "" }
        return " (did you mean '\(best)'?)"
    }

    public static func closest(_ word: String, _ candidates: [String]) -> String? {
        let lower = word.lowercased()
        // The distance is at least the difference in length: a word longer than every candidate by
        // more than any candidate's limit has no suggestion (without computing distances in time
        // proportional to its length).
        let length = lower.count
        let lowered = candidates.map { $0.lowercased() }
        if zip(candidates, lowered).allSatisfy({ length - $1.count > max(2, $0.count / 3) }) { return nil }
        var best: (String, Int)?
        for (candidate, other) in zip(candidates, lowered) {
            // Not closer than the best so far: skip the distance.
            if let best, abs(length - other.count) >= best.1 { continue }
            let d = distance(lower, other)
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        guard let (candidate, d) = best else { return nil }
        if !lower.isEmpty, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lower) }) { return prefixed }
        let limit = max(2, candidate.count / 3)
        return d <= limit ? candidate : nil
    }

    /// Levenshtein distance over characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
