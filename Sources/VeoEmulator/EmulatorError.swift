/// Why the emulator could not start, or a clip could not be made.
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
