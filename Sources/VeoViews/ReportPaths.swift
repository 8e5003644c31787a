public import VeoRunner
import VeoSupport

/// A report may come from elsewhere (a downloaded CI artifact): every field of it that names a
/// file, or becomes part of a file name, is checked before `report` writes anything. Thumbnails
/// are named by sha256, clips are read from their `path`, frames from the upstream job's id.
public enum ReportPaths {
    /// The first field that is not what a run writes, said with its place in the report; nil
    /// when every one is.
    public static func problem(in report: RunReport, layout: OutputLayout) -> String? {
        for (i, job) in report.jobs.enumerated() {
            if let output = job.output, let problem = problem(path: output.path, sha256: output.sha256, layout: layout) {
                return "jobs[\(i)].output \(problem)"
            }
            for (j, input) in job.request.inputs.enumerated() {
                if let sha = input.sha256, !isSHA256(sha) { return "jobs[\(i)].request.inputs[\(j)].sha256 is not 64 hexadecimal digits" }
                if input.kind == "job", !isJobID(input.source) {
                    return "jobs[\(i)].request.inputs[\(j)].source is not a job id"
                }
            }
        }
        for (i, cut) in (report.cuts ?? []).enumerated() {
            if let output = cut.output, let problem = problem(path: output.path, sha256: output.sha256, layout: layout) {
                return "cuts[\(i)].output \(problem)"
            }
        }
        return nil
    }

    private static func problem(path: String, sha256: String, layout: OutputLayout) -> String? {
        guard isSHA256(sha256) else { return "sha256 is not 64 hexadecimal digits" }
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains(".."), (try? layout.absolute(path)) != nil else {
            return "path \"\(TerminalText.escaped(String(path.prefix(200))))\" is not inside the output folder"
        }
        return nil
    }

    /// 64 lowercase hexadecimal digits: the only names thumbnails are given.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A planned job's id: `[A-Za-z0-9_-]`, `/` between a shot and its variant, `#` before a take.
    static func isJobID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 1024 && !text.split(separator: "/", omittingEmptySubsequences: false).contains(where: \.isEmpty)
            && text.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_-/#".unicodeScalars.contains($0) }
    }
}
