import Foundation

// Small helpers of the planner (Planner.swift): blank text, and a binary heap for ordering jobs.

extension String {
    /// Empty or only white space (a fast path for ASCII text).
    var isBlank: Bool {
        for byte in utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x80...: return unicodeScalars.allSatisfy(\.properties.isWhitespace)
            default: return false
            }
        }
        return true
    }
}

/// A small binary min-heap of Ints.
struct Heap {
    private var items: [Int] = []

    init(_ values: [Int]) {
        for v in values { insert(v) }
    }

    mutating func insert(_ value: Int) {
        items.append(value)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popMin() -> Int? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
