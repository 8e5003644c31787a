import Crypto
import Foundation
import VeoSupport

/// Renders each job's clip with ffmpeg: the requested size and duration, 8 fps, libx264,
/// yuv420p. The first half is one colour and the second half another (both derived from the job
/// id and prompt), with a white box sliding left to right, so the first and last frames differ
/// and every job's clip is its own. At most `maxConcurrent` renders run at once.
struct ClipRenderer: Sendable {
    /// The resolved ffmpeg executable, nil when it was not found.
    let ffmpeg: String?
    let requestedPath: String
    /// Where clips are written, as `<id>.mp4`.
    let directory: String
    private let slots: AsyncSemaphore

    init(ffmpegPath: String, directory: String, maxConcurrent: Int) {
        self.requestedPath = ffmpegPath
        self.ffmpeg = Executables.locate(ffmpegPath)
        self.directory = directory
        self.slots = AsyncSemaphore(permits: max(1, maxConcurrent))
    }

    /// The two colours (`0x` and hex RGB) of a job's clip.
    static func colours(id: String, prompt: String) -> (String, String) {
        let digest = Array(SHA256.hash(data: Data("\(id)\n\(prompt)".utf8)))
        var second = Array(digest[3..<6])
        // Keep the two halves visibly apart even when the hash bytes happen to be close.
        if zip(second, digest[0..<3]).map({ abs(Int($0) - Int($1)) }).reduce(0, +) < 120 {
            second = second.map { $0 ^ 0x80 }
        }
        return ("0x" + Hex.encode(digest[0..<3]), "0x" + Hex.encode(second))
    }

    /// The outcome of rendering a job's clip; nil when the render was dropped because the
    /// emulator is stopping.
    func outcome(id: String, prompt: String, seconds: Int, size: String) async -> VideoJob.Outcome? {
        do {
            let path = try await render(id: id, prompt: prompt, seconds: seconds, size: size)
            return .rendered(clip: path, at: Date())
        } catch is CancellationError {
            return nil
        } catch let error as EmulatorError {
            let code: ErrorCode = ffmpeg == nil ? .ffmpegUnavailable : .renderFailed
            return .failed(JobError(code, message: error.description))
        } catch {
            return .failed(JobError(.renderFailed, message: "\(error)"))
        }
    }

    /// Renders `<directory>/<id>.mp4` (written beside it, then renamed) and returns its path.
    func render(id: String, prompt: String, seconds: Int, size: String) async throws -> String {
        guard let ffmpeg else { throw EmulatorError.ffmpegMissing(requestedPath) }
        let output = "\(directory)/\(id).mp4"
        let partial = AtomicFile.temporaryPath(for: output)
        let arguments = Self.arguments(id: id, prompt: prompt, seconds: seconds, size: size, output: partial)
        try await slots.withPermit {
            // The emulator is stopping: renders still waiting for a slot are not started.
            try Task.checkCancellation()
            do {
                try await Self.run(ffmpeg, arguments)
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw error
            }
        }
        try AtomicFile.move(partial, to: output)
        return output
    }

    /// ffmpeg's arguments for a job's clip, written as MP4 to `output`.
    static func arguments(id: String, prompt: String, seconds: Int, size: String, output: String) -> [String] {
        let (a, b) = colours(id: id, prompt: prompt)
        let half = Double(seconds) / 2
        let filter = [
            "drawbox=x=0:y=0:w=iw:h=ih:color=\(b)@1:t=fill:enable='gte(t,\(half))'",
            "drawbox=x='(iw-ih/4)*t/\(seconds)':y=ih/2-ih/8:w=ih/4:h=ih/4:color=white@1:t=fill",
        ].joined(separator: ",")
        return [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=\(a):s=\(size):r=8:d=\(seconds)",
            "-vf", filter,
            "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-r", "8",
            "-movflags", "+faststart", "-f", "mp4", output,
        ]
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
