import Foundation

extension OutputLayout {
    /// The path that is a file where the output folder or one of the folders above it should be:
    /// `--out afile` names `afile`, and so does `--out afile/out` (then creating the folder would
    /// fail with "not a directory", which says less). Nil when every existing part is a folder (or
    /// a link to one).
    func fileInTheWay() -> String? {
        var path = root
        while !path.isEmpty && path != "/" {
            var info = stat()
            if lstat(path, &info) == 0 {
                if info.st_mode & S_IFMT == S_IFDIR { return nil }
                // A link to a folder is a folder here; anything else stands in the way.
                return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR ? nil : path
            }
            path = (path as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Why the output folder cannot be made, when a file stands where it or a folder above it goes.
    func fileInTheWayError() -> OutputFolderError? {
        guard let file = fileInTheWay() else { return nil }
        if file == root { return OutputFolderError("the output folder \(root) is a file, not a folder; choose another --out") }
        return OutputFolderError("\(file) is a file, not a folder, so the output folder \(root) cannot be made in it; choose another --out")
    }
}
