import Foundation

/// Reads a clip's size and duration from its MP4 header boxes (`moov/mvhd`, and the video track's
/// `tkhd`), the fields `ffprobe -show_entries stream=width,height:format=duration` reports, without
/// starting a process per clip. Returns nil for anything it does not understand (fragmented files,
/// other containers), and the caller falls back to ffprobe.
package enum MP4Header {
    package enum Probe: Equatable {
        case clip(MediaTools.ClipInfo)
        /// An MP4 whose boxes run past the end of the file: cut short.
        case truncated
        /// Not a plain MP4 this reader understands.
        case unknown
    }

    package static func probe(_ path: String) -> MediaTools.ClipInfo? {
        if case .clip(let info) = inspect(path) { return info }
        return nil
    }

    package static func inspect(_ path: String) -> Probe {
        switch moov(path) {
        case .body(let body): parseMoov(body).map(Probe.clip) ?? .unknown
        case .truncated: .truncated
        case .unknown: .unknown
        }
    }

    /// Whether the clip has a sound track (a `trak` whose handler is `soun`); nil when the file is
    /// not a plain MP4 this reader understands.
    package static func hasAudio(_ path: String) -> Bool? {
        guard case .body(let b) = moov(path) else { return nil }
        return boxes(b, 0..<b.count).contains { type, range in
            type == "trak" && boxes(b, range).contains { child in
                child.0 == "mdia" && boxes(b, child.1).contains { h in
                    h.0 == "hdlr" && h.1.count >= 12 && String(decoding: b[(h.1.lowerBound + 8)..<(h.1.lowerBound + 12)], as: UTF8.self) == "soun"
                }
            }
        }
    }

    enum Moov {
        case body([UInt8])
        case truncated
        case unknown
    }

    /// The payload of the file's `moov` box.
    static func moov(_ path: String) -> Moov {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return .unknown }
        var sawFtyp = false
        // Walk every top-level box: find `moov`, and require the boxes to end exactly at the end of
        // the file (a download cut short without a Content-Length must not pass as a clip).
        var offset: UInt64 = 0
        var moov: (offset: UInt64, headerSize: UInt64, size: UInt64)?
        while offset < size {
            guard size - offset >= 8, (try? handle.seek(toOffset: offset)) != nil, let head = try? handle.read(upToCount: 16),
                head.count >= 8
            else { return sawFtyp ? .truncated : .unknown }
            let bytes = [UInt8](head)
            var boxSize = UInt64(be32(bytes, 0))
            let type = String(decoding: bytes[4..<8], as: UTF8.self)
            var headerSize: UInt64 = 8
            if boxSize == 1 {
                guard bytes.count >= 16 else { return sawFtyp ? .truncated : .unknown }
                boxSize = be64(bytes, 8)
                headerSize = 16
            } else if boxSize == 0 {
                boxSize = size - offset
            }
            guard boxSize >= headerSize else { return .unknown }
            // Compared by subtraction: a forged 64-bit size cannot overflow.
            guard boxSize <= size - offset else { return sawFtyp ? .truncated : .unknown }
            if offset == 0 { sawFtyp = type == "ftyp" }
            if type == "moov" { moov = (offset, headerSize, boxSize) }
            offset += boxSize
        }
        guard sawFtyp, let moov, moov.size < 64 << 20,
            (try? handle.seek(toOffset: moov.offset + moov.headerSize)) != nil,
            let body = try? handle.read(upToCount: Int(moov.size - moov.headerSize))
        else { return .unknown }
        return .body([UInt8](body))
    }

    /// Children of a box payload: (type, payload range).
    static func boxes(_ b: [UInt8], _ range: Range<Int>) -> [(String, Range<Int>)] {
        var result: [(String, Range<Int>)] = []
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var size = Int(be32(b, i))
            var header = 8
            if size == 1 {
                guard i + 16 <= range.upperBound else { break }
                size = Int(clamping: be64(b, i + 8))
                header = 16
            } else if size == 0 {
                size = range.upperBound - i
            }
            // Compared by subtraction: a forged 64-bit size cannot overflow.
            guard size >= header, size <= range.upperBound - i else { break }
            result.append((String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self), (i + header)..<(i + size)))
            i += size
        }
        return result
    }

    static func parseMoov(_ b: [UInt8]) -> MediaTools.ClipInfo? {
        var duration: Double?
        var width: Int?
        var height: Int?
        for (type, range) in boxes(b, 0..<b.count) {
            if type == "mvhd", range.count >= 32 {
                let version = b[range.lowerBound]
                let p = range.lowerBound + 4
                if version == 1, range.count >= 36 {
                    let timescale = be32(b, p + 16)
                    if timescale > 0 { duration = Double(be64(b, p + 20)) / Double(timescale) }
                } else {
                    let timescale = be32(b, p + 8)
                    if timescale > 0 { duration = Double(be32(b, p + 12)) / Double(timescale) }
                }
            } else if type == "trak", width == nil {
                let children = boxes(b, range)
                let isVideo = children.contains { child in
                    child.0 == "mdia" && boxes(b, child.1).contains { h in
                        h.0 == "hdlr" && h.1.count >= 12 && String(decoding: b[(h.1.lowerBound + 8)..<(h.1.lowerBound + 12)], as: UTF8.self) == "vide"
                    }
                }
                if isVideo, let tkhd = children.first(where: { $0.0 == "tkhd" }), tkhd.1.count >= 84 {
                    // Width and height are the payload's last 8 bytes, 16.16 fixed point.
                    let end = tkhd.1.upperBound
                    width = Int(be32(b, end - 8) >> 16)
                    height = Int(be32(b, end - 4) >> 16)
                }
            }
        }
        guard let duration, let width, let height, width > 0, height > 0 else { return nil }
        return MediaTools.ClipInfo(width: width, height: height, duration: duration)
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func be64(_ b: [UInt8], _ i: Int) -> UInt64 {
        UInt64(be32(b, i)) << 32 | UInt64(be32(b, i + 4))
    }
}
