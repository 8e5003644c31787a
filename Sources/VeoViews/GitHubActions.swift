import Foundation
public import VeoSupport
public import VeoManifest
public import VeoReport

/// What GitHub Actions reads from a step: workflow commands on stdout (annotations, groups) and
/// Markdown appended to `$GITHUB_STEP_SUMMARY`.
public enum GitHubActions {
    /// At most this many annotations of each severity are shown per step; the rest are counted.
    public static let annotationsPerSeverity = 10
    /// GitHub's limit for one step's summary.
    public static let summaryLimit = 1 << 20

    /// On when the step runs in GitHub Actions (`GITHUB_ACTIONS=true`).
    public static func isActive(_ environment: [String: String]) -> Bool {
        environment["GITHUB_ACTIONS"] == "true"
    }

    public struct Annotation: Sendable, Hashable {
        public enum Severity: String, Sendable { case error, warning }
        public var severity: Severity
        public var file: String?
        public var line: Int?
        public var column: Int?
        public var title: String
        public var message: String

        public init(severity: Severity, file: String?, line: Int?, column: Int?, title: String, message: String) {
            (self.severity, self.file, self.line, self.column) = (severity, file, line, column)
            (self.title, self.message) = (title, message)
        }
    }

    /// Workflow command lines: up to `annotationsPerSeverity` of each severity, then one
    /// `::notice` with the count of the rest.
    public static func commands(_ annotations: [Annotation]) -> String {
        var out = ""
        var shown: [Annotation.Severity: Int] = [:]
        var hidden: [Annotation.Severity: Int] = [:]
        for a in annotations {
            guard shown[a.severity, default: 0] < annotationsPerSeverity else {
                hidden[a.severity, default: 0] += 1
                continue
            }
            shown[a.severity, default: 0] += 1
            var properties: [String] = []
            if let file = a.file { properties.append("file=" + escapeProperty(file)) }
            if let line = a.line { properties.append("line=\(line)") }
            if let column = a.column { properties.append("col=\(column)") }
            properties.append("title=" + escapeProperty(a.title))
            out += "::\(a.severity.rawValue) \(properties.joined(separator: ","))::\(escapeData(a.message))\n"
        }
        let rest = [Annotation.Severity.error, .warning].compactMap { s in hidden[s].map { "\($0) more \(s.rawValue)\($0 == 1 ? "" : "s")" } }
        if !rest.isEmpty {
            out += "::notice title=veo-pipeline::\(escapeData(rest.joined(separator: " and ") + " not shown as annotations (GitHub shows \(annotationsPerSeverity) of each per step); see the log"))\n"
        }
        return out
    }

    /// A diagnostic as an annotation at its place in the manifest.
    public static func annotation(_ d: Diagnostic) -> Annotation? {
        guard d.severity == .error || d.severity == .warning else { return nil }
        let notes = d.notes.map { "\n" + $0.description }.joined()
        return Annotation(
            severity: d.severity == .error ? .error : .warning, file: d.location?.file, line: d.location?.position.line,
            column: d.location?.position.column, title: "veo-pipeline: \(d.severity == .error ? "invalid manifest" : "warning")",
            message: d.message + notes)
    }

    /// A failed job as an error annotation at the shot (or variant) that asked for it; a run not
    /// started (over budget) as one error at the manifest.
    public static func annotations(for report: RunReport) -> [Annotation] {
        let jobs = report.jobs.compactMap { job -> Annotation? in
            guard let error = job.error else { return nil }
            return Annotation(
                severity: .error, file: report.manifest.path, line: job.line, column: job.column,
                title: "veo-pipeline: job \(job.id) failed (\(error.code))", message: error.message)
        }
        let cuts = (report.cuts ?? []).compactMap { cut -> Annotation? in
            guard let error = cut.error else { return nil }
            return Annotation(
                severity: .error, file: report.manifest.path, line: cut.line, column: cut.column,
                title: "veo-pipeline: cut \(cut.id) failed", message: error)
        }
        // A run refused before it started (over budget): one error that says why.
        let refusal = report.notStartedBecause.map {
            Annotation(severity: .error, file: report.manifest.path, line: nil, column: nil, title: "veo-pipeline: run not started", message: $0)
        }
        return (refusal.map { [$0] } ?? []) + jobs + cuts
    }

    /// `::group::` blocks with each job's detail (for `--verbose`).
    public static func groups(for report: RunReport) -> String {
        var out = ""
        for job in report.jobs {
            out += "::group::\(escapeData("\(job.id): \(job.cached ? "cached" : job.status)"))\n"
            out += "request: \(job.request.model) \(job.request.size) \(job.request.seconds) s, \(job.request.inputs.count) input image(s)\n"
            out += "prompt: \(job.request.prompt)\n"
            if let video = job.videoID { out += "video id: \(video)\n" }
            if let output = job.output { out += "clip: \(output.path) (\(output.bytes) bytes, sha256 \(output.sha256))\n" }
            if let error = job.error { out += "error: \(error.code): \(error.message)\n" }
            if let reason = job.skippedBecause { out += "skipped: \(reason)\n" }
            out += "::endgroup::\n"
        }
        return out
    }

    /// Appends Markdown to the step summary file (GitHub creates it; a missing one is created).
    public static func appendSummary(_ markdown: String, to path: String) throws(FileError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, action: "append to", errno: errno) }
        defer { close(fd) }
        let bytes = Array(markdown.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FileError(path: path, action: "append to", errno: errno) }
            written += n
        }
    }

    // MARK: - Escaping (GitHub's workflow command rules)

    /// The message: `%`, CR and LF.
    public static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A property value: also `:` and `,`.
    public static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
