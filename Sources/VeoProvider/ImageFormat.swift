/// The image formats the provider takes as `input_reference`, recognised by their bytes.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, Codable {
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

/// What an image is, by its content (not its name).
public struct ImageInfo: Sendable, Hashable {
    public var format: ImageFormat
    /// Pixel size when the header tells it.
    public var width: Int?
    public var height: Int?

    public init(format: ImageFormat, width: Int? = nil, height: Int? = nil) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// How many leading bytes `sniff` wants to see: JPEG size markers can sit after large EXIF blocks.
    public static let headerBytes = 256 * 1024

    /// PNG, JPEG or WebP from the first bytes of a file; nil for anything else.
    public static func sniff<Bytes: RandomAccessCollection>(_ header: Bytes) -> ImageInfo? where Bytes.Element == UInt8, Bytes.Index == Int {
        let b = Array(header)
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return b.count >= 24 ? ImageInfo(format: .png, width: be32(b, 16), height: be32(b, 20)) : ImageInfo(format: .png)
        }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) {
            let size = jpegSize(b)
            return ImageInfo(format: .jpeg, width: size?.0, height: size?.1)
        }
        if b.count >= 12, b[0..<4].elementsEqual(Array("RIFF".utf8)), b[8..<12].elementsEqual(Array("WEBP".utf8)) {
            let size = webpSize(b)
            return ImageInfo(format: .webp, width: size?.0, height: size?.1)
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
                return (Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]))
            }
            guard length >= 2 else { return nil }
            i += 2 + length
        }
        return nil
    }

    private static func webpSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 30 else { return nil }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            return ((Int(b[26]) | Int(b[27]) << 8) & 0x3FFF, (Int(b[28]) | Int(b[29]) << 8) & 0x3FFF)
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
