import Foundation
import NIOCore

/// Why the emulator could not start, or a clip could not be made.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// The listening socket could not be opened: said in words, with what to do.
    static func cannotListen(host: String, port: Int, error: any Error) -> EmulatorError {
        let code = (error as? IOError)?.errnoCode
        let reason: String
        switch code {
        case EADDRINUSE?: reason = "port \(port) is already in use (another emulator or program listens there); choose another --port, or --port 0 for any free port"
        case EACCES?: reason = "permission denied (ports below 1024 need root); choose a port above 1023, or --port 0 for any free port"
        case EADDRNOTAVAIL?: reason = "\(host) is not an address of this machine; use 127.0.0.1"
        case let code?: reason = String(cString: strerror(code)).lowercased()
        case nil: reason = "the address could not be used; try --port 0 for any free port"
        }
        return EmulatorError(description: "cannot listen on \(host):\(port): \(reason)")
    }

    static func ffmpegMissing(_ path: String) -> EmulatorError {
        EmulatorError(
            description: """
                ffmpeg not found ('\(path)'): the emulator renders real MP4 clips with ffmpeg. \
                Install it (Debian/Ubuntu: apt-get install -y ffmpeg; macOS: brew install ffmpeg), \
                pass its path, or serve a fixed clip with --serve-file.
                """)
    }
}
