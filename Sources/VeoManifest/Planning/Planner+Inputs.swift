import Foundation
import VeoProvider
import VeoSupport

/// What a job's inputs are checked for: image files (readable, an image, within the provider's
/// limit, of the job's aspect ratio) and prompt variables.
extension Planner {
    /// Whether an image file can be sent (each problem reported at its place), and a warning
    /// when its aspect ratio differs from `size` (nil: the size is not known, as it is not valid).
    mutating func checkImage(_ path: String, written: String, at position: SourcePosition, size: VideoSize?, owner: Owner) -> Bool {
        // Each distinct file is looked up once per planner (the shared checker takes a lock).
        let outcome: ImageFileChecker.Outcome
        if let known = checkedImages[path] {
            outcome = known
        } else {
            outcome = images.check(path)
            checkedImages[path] = outcome
        }
        switch outcome {
        case .missing:
            error("image '\(written)' does not exist (looked for \(path))", position)
            return false
        case .directory:
            error("image '\(written)' is a directory, not an image file", position)
            return false
        case .unreadable(let why):
            error("cannot read image '\(written)': \(why)", position)
            return false
        case .notRegularFile:
            error("image '\(written)' is not a regular file (a FIFO, socket or device); give an image file", position)
            return false
        case .notAnImage:
            error("'\(written)' is not a PNG, JPEG or WebP image (checked by content, not by name)", position)
            return false
        case .tooLarge(let bytes):
            error("image '\(written)' is \(bytes / (1024 * 1024)) MiB, more than the \(ProviderLimits.maxImageBytes / (1024 * 1024)) MiB the provider takes", position)
            return false
        case .ok(let info):
            if let aspect = info.aspect, let size {
                let target = Double(size.width) / Double(size.height)
                if abs(aspect - target) / target > options.aspectTolerance {
                    warning("image '\(written)' is \(info.width!)x\(info.height!), whose aspect ratio differs from the size of \(owner), \(size.rawValue) (\(size.aspectName)); the provider advises matching them",
                            position)
                }
            }
            return true
        }
    }

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

    private mutating func expand(_ bytes: UnsafeBufferPointer<UInt8>, at position: SourcePosition) -> String? {
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
