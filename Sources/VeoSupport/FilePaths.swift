import Foundation

/// Lexical path handling: no file system access (resolving thousands of image paths with `URL`
/// stats each one).
public enum FilePaths {
    /// `relative` against `directory` (made absolute from the working directory), with `.` and
    /// `..` resolved lexically. An absolute `relative` is only normalised.
    public static func resolve(_ relative: String, against directory: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        var base = directory
        if !base.hasPrefix("/") { base = FileManager.default.currentDirectoryPath + "/" + base }
        return normalize(base + "/" + relative)
    }

    /// Collapses `//`, `.` and `..` (never above `/`).
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
