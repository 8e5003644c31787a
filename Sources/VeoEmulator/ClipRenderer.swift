import Crypto
import Foundation

/// Why a clip could not be made.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    public let description: String

    static func ffmpegMissing(_ path: String) -> EmulatorError {
        EmulatorError(
            description: """
                ffmpeg not found ('\(path)'): the emulator renders real MP4 clips with ffmpeg. \
                Install it (Debian/Ubuntu: apt-get install -y ffmpeg; macOS: brew install ffmpeg), \
                pass its path, or serve a fixed clip with --serve-file.
                """)
    }
}

/// Renders each job's clip with ffmpeg: the requested size and duration, 8 fps, libx264,
/// yuv420p. The first half is one colour and the second half another (both derived from the job
/// id and prompt), with a white box sliding left to right, so the first and last frames differ
/// and every job's clip is its own.
actor ClipRenderer {
    let ffmpeg: String?
    let requestedPath: String
    let directory: String
    private let limit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(ffmpegPath: String, directory: String, maxConcurrent: Int) {
        self.requestedPath = ffmpegPath
        self.ffmpeg = ClipRenderer.resolve(ffmpegPath)
        self.directory = directory
        self.limit = max(1, maxConcurrent)
    }

    /// An executable path for `name`: as given if it contains a slash, else searched in `PATH`.
    static func resolve(_ name: String) -> String? {
        let fm = FileManager.default
        if name.contains("/") { return fm.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The two colours (hex RGB) of a job's clip.
    static func colours(id: String, prompt: String) -> (String, String) {
        let digest = Array(SHA256.hash(data: Data("\(id)\n\(prompt)".utf8)))
        func hex(_ bytes: ArraySlice<UInt8>) -> String {
            "0x" + bytes.map { String(format: "%02x", $0) }.joined()
        }
        var second = Array(digest[3..<6])
        // Keep the two halves visibly apart even when the hash bytes happen to be close.
        if zip(second, digest[0..<3]).map({ abs(Int($0) - Int($1)) }).reduce(0, +) < 120 {
            second = second.map { $0 ^ 0x80 }
        }
        return (hex(digest[0..<3]), hex(second[...]))
    }

    /// Renders `<directory>/<id>.mp4` and returns its path.
    func render(id: String, prompt: String, seconds: Int, size: String) async throws -> String {
        guard let ffmpeg else { throw EmulatorError.ffmpegMissing(requestedPath) }
        await acquire()
        defer { release() }
        // The emulator is stopping: renders still queued are not started.
        try Task.checkCancellation()
        let output = "\(directory)/\(id).mp4"
        let (a, b) = Self.colours(id: id, prompt: prompt)
        let half = Double(seconds) / 2
        let filter = [
            "drawbox=x=0:y=0:w=iw:h=ih:color=\(b)@1:t=fill:enable='gte(t,\(half))'",
            "drawbox=x='(iw-ih/4)*t/\(seconds)':y=ih/2-ih/8:w=ih/4:h=ih/4:color=white@1:t=fill",
        ].joined(separator: ",")
        let arguments = [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=\(a):s=\(size):r=8:d=\(seconds)",
            "-vf", filter,
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-r", "8",
            "-movflags", "+faststart", output,
        ]
        try await Self.run(ffmpeg, arguments)
        return output
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    static func run(_ executable: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: EmulatorError(description: "could not run \(executable): \(error)"))
            }
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else {
            throw EmulatorError(
                description: "ffmpeg exited with status \(status): \(stderr.prefix(500))")
        }
    }
}
