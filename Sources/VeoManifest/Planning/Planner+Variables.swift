import Foundation

extension Planner {
    // MARK: - Variables

    /// `${name}` replaced by `vars[name]`; `$${` writes a literal `${`. Reports undefined names.
    mutating func expand(_ prompt: Located<String>) -> String? {
        var text = prompt.value
        text.makeContiguousUTF8()
        let hasDollar = text.utf8.withContiguousStorageIfAvailable { b in
            b.baseAddress.map { memchr($0, Int32(UInt8(ascii: "$")), b.count) != nil } ?? false
        }
        if hasDollar == false { return text }
        return text.utf8.withContiguousStorageIfAvailable { bytes in expand(bytes, at: prompt.position) } ?? nil
    }

    mutating func expand(_ bytes: UnsafeBufferPointer<UInt8>, at position: SourcePosition) -> String? {
        // '$', '{' and '}' are ASCII, so scanning UTF-8 bytes never splits a character. The text
        // between variables is copied in runs (memchr finds the next '$').
        guard let base = bytes.baseAddress else { return "" }
        func find(_ byte: UInt8, from start: Int) -> Int? {
            guard start < bytes.count, let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 64)
        var ok = true
        var i = 0
        while let dollar = find(UInt8(ascii: "$"), from: i) {
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<dollar]))
            i = dollar + 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "$") {
                result.append(UInt8(ascii: "$"))  // "$$" is one '$'
                i += 1
            } else if i < bytes.count, bytes[i] == UInt8(ascii: "{"), let close = find(UInt8(ascii: "}"), from: i + 1) {
                let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<close]), as: UTF8.self)
                if let value = manifest.vars[name] {
                    result += value.value.utf8
                } else {
                    let known = manifest.vars.keys.sorted()
                    let hint = known.isEmpty ? "; define it under 'vars:'" : Suggest.didYouMean(name, known)
                    error("undefined variable '${\(name)}' in prompt\(hint)", position)
                    ok = false
                }
                i = close + 1
            } else {
                result.append(UInt8(ascii: "$"))
            }
        }
        result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i...]))
        return ok ? String(decoding: result, as: UTF8.self) : nil
    }
}
