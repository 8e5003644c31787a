import Foundation

/// What a local image is, by its content (not its name).
public struct ImageFileInfo: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable {
        case png
        case jpeg
        case webp

        public var mimeType: String {
            switch self {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .webp: "image/webp"
            }
        }
    }

    public var format: Format
    /// Pixel size when the header tells it.
    public var width: Int?
    public var height: Int?

    /// Sniffs PNG, JPEG or WebP from the first bytes; nil for anything else.
    public static func sniff(_ bytes: [UInt8]) -> ImageFileInfo? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            var info = ImageFileInfo(format: .png)
            if bytes.count >= 24 {
                info.width = be32(bytes, 16)
                info.height = be32(bytes, 20)
            }
            return info
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            var info = ImageFileInfo(format: .jpeg)
            (info.width, info.height) = jpegSize(bytes) ?? (nil, nil)
            return info
        }
        if bytes.count >= 12, bytes[0..<4].elementsEqual(Array("RIFF".utf8)), bytes[8..<12].elementsEqual(Array("WEBP".utf8)) {
            var info = ImageFileInfo(format: .webp)
            (info.width, info.height) = webpSize(bytes) ?? (nil, nil)
            return info
        }
        return nil
    }

    /// The aspect ratio, when the size is known.
    public var aspect: Double? {
        guard let width, let height, width > 0, height > 0 else { return nil }
        return Double(width) / Double(height)
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    private static func jpegSize(_ b: [UInt8]) -> (Int, Int)? {
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                let height = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let width = Int(b[i + 7]) << 8 | Int(b[i + 8])
                return (width, height)
            }
            guard length >= 2 else { return nil }
            i += 2 + length
        }
        return nil
    }

    private static func webpSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 30 else { return nil }
        let chunk = String(decoding: b[12..<16], as: UTF8.self)
        switch chunk {
        case "VP8 ":
            let w = (Int(b[26]) | Int(b[27]) << 8) & 0x3FFF
            let h = (Int(b[28]) | Int(b[29]) << 8) & 0x3FFF
            return (w, h)
        case "VP8L":
            let bits = UInt32(b[21]) | UInt32(b[22]) << 8 | UInt32(b[23]) << 16 | UInt32(b[24]) << 24
            return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            let w = Int(b[24]) | Int(b[25]) << 8 | Int(b[26]) << 16
            let h = Int(b[27]) | Int(b[28]) << 8 | Int(b[29]) << 16
            return (w + 1, h + 1)
        default:
            return nil
        }
    }
}

/// Checks local image files once each (a manifest may name the same file many times).
public final class ImageFileChecker: @unchecked Sendable {
    public enum Outcome: Sendable, Hashable {
        case ok(ImageFileInfo)
        case missing
        case directory
        case unreadable(String)
        case notAnImage
    }

    private var cache: [String: Outcome] = [:]
    private let lock = NSLock()

    public init() {}

    public func check(_ path: String) -> Outcome {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[path] { return cached }
        let outcome = Self.inspect(path)
        cache[path] = outcome
        return outcome
    }

    static func inspect(_ path: String) -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        if isDirectory.boolValue { return .directory }
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unreadable("permission denied") }
        defer { try? handle.close() }
        // JPEG size markers can sit after large EXIF blocks; 256 KiB covers nearly every file.
        let head: Data
        do {
            head = try handle.read(upToCount: 256 * 1024) ?? Data()
        } catch {
            return .unreadable(FileErrorText.reason(error))
        }
        guard let info = ImageFileInfo.sniff([UInt8](head)) else { return .notAnImage }
        return .ok(info)
    }
}
