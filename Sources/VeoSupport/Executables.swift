import Foundation

/// Finding a tool (ffmpeg, ffprobe) without starting it.
public enum Executables {
    /// `tool` itself when it is a path to an executable file, else the first executable named
    /// `tool` in PATH; nil when there is none.
    public static func locate(_ tool: String) -> String? {
        let fm = FileManager.default
        if tool.contains("/") { return fm.isExecutableFile(atPath: tool) ? tool : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { fm.isExecutableFile(atPath: $0) }
    }
}
