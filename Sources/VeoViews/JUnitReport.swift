import Foundation
public import VeoManifest
public import VeoReport

/// JUnit XML, as CI systems read it (GitLab's `artifacts:reports:junit`, Jenkins' JUnit plugin,
/// GitHub test reporters): one `<testsuite>` per manifest, one `<testcase>` per job.
///
/// - `classname` is `<manifest name>.<shot>`, `name` the job id (unique within the file: GitLab
///   merges test cases with the same classname and name), `file` the manifest, `time` the job's
///   wall seconds in this run;
/// - a failed job is a `<failure>` when the provider or the clip failed it, an `<error>` when the
///   outcome is unknown or the tool could not finish (timeout, ambiguous submission, transport);
///   a skipped job is `<skipped>` with the reason;
/// - `<properties>` hold cached, video id, cache key and estimated cost; `<system-out>` carries
///   `[[ATTACHMENT|path]]` so GitLab and Jenkins link the clip.
public enum JUnitReport {
    /// Codes that mean "the outcome is not known" or "the tool could not finish", not "the job failed".
    static let errorCodes: Set<FailureCode> = [.ambiguousSubmission, .jobTimeout, .transport, .serverError, .rateLimited, .invalidResponse, .writeFailed]

    /// The JUnit file of a run. `outDirectory` is how clips are named in attachments (as the user gave it).
    public static func xml(for report: RunReport, outDirectory: String, prices: PriceTable = .defaults) -> String {
        let jobs = report.jobs
        let cuts = report.cuts ?? []
        let tests = jobs.count + cuts.count
        let failures = jobs.count { $0.error.map { !isError($0.code) } ?? false } + cuts.count { $0.error != nil }
        let errors = jobs.count { $0.error.map { isError($0.code) } ?? false }
        let skipped = jobs.count { $0.status == "skipped" } + cuts.count { $0.status == "skipped" }
        let time = jobs.compactMap(\.timings.wallSeconds).reduce(0, +) + cuts.compactMap(\.encodeSeconds).reduce(0, +)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"veo-pipeline\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(time))\">\n"
        xml += "  <testsuite name=\"\(attr(report.manifest.name))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\""
        xml += " time=\"\(seconds(time))\" timestamp=\"\(attr(String(report.startedAt.prefix(19))))\" file=\"\(attr(report.manifest.path))\">\n"
        xml += "    <properties>\n" + property("status", report.status) + property("emulated", String(report.emulated)) + "    </properties>\n"
        for job in jobs { xml += testcase(job, report: report, outDirectory: outDirectory, prices: prices) }
        for cut in cuts { xml += testcase(cut, report: report, outDirectory: outDirectory) }
        return xml + "  </testsuite>\n</testsuites>\n"
    }

    /// A cut as a test case of class `<manifest>.cuts`: a failed encode is a failure, a cut whose
    /// clips did not all render is skipped.
    private static func testcase(_ cut: RunReport.CutEntry, report: RunReport, outDirectory: String) -> String {
        var xml = "    <testcase classname=\"\(attr(report.manifest.name + ".cuts"))\" name=\"\(attr("cut " + cut.id))\""
        xml += " file=\"\(attr(report.manifest.path))\" line=\"\(cut.line)\" time=\"\(seconds(cut.encodeSeconds ?? 0))\">\n"
        xml += "      <properties>\n" + property("cached", String(cut.cached)) + property("cache_key", cut.cacheKey ?? "") + "      </properties>\n"
        if let error = cut.error {
            xml += "      <failure type=\"cut_failed\" message=\"\(attr(error))\">\(text(error))</failure>\n"
        } else if let reason = cut.skippedBecause {
            xml += "      <skipped message=\"\(attr(reason))\"/>\n"
        }
        if let output = cut.output { xml += attachment(output.path, in: outDirectory) }
        return xml + "    </testcase>\n"
    }

    /// `[[ATTACHMENT|path]]` in `<system-out>`, so GitLab and Jenkins link the file.
    private static func attachment(_ relative: String, in outDirectory: String) -> String {
        let file = outDirectory.hasSuffix("/") ? outDirectory + relative : outDirectory + "/" + relative
        return "      <system-out>\(text("[[ATTACHMENT|\(file)]]"))</system-out>\n"
    }

    static func isError(_ code: String) -> Bool {
        FailureCode(rawValue: code).map { errorCodes.contains($0) } ?? false
    }

    private static func testcase(_ job: RunReport.Job, report: RunReport, outDirectory: String, prices: PriceTable) -> String {
        var xml = "    <testcase classname=\"\(attr(report.manifest.name + "." + job.shot))\" name=\"\(attr(job.id))\""
        xml += " file=\"\(attr(report.manifest.path))\" line=\"\(job.line)\" time=\"\(seconds(job.timings.wallSeconds ?? 0))\">\n"
        xml += "      <properties>\n" + property("cached", String(job.cached)) + property("video_id", job.videoID ?? "")
        xml += property("cache_key", job.cacheKey ?? "")
        if let cost = Totals.estimate(job, prices: prices) { xml += property("estimated_cost", String(format: "%.2f %@", cost, prices.currency)) }
        xml += "      </properties>\n"
        if let error = job.error {
            let element = isError(error.code) ? "error" : "failure"
            let provider = error.providerCode.map { " (provider: \($0))" } ?? ""
            xml += "      <\(element) type=\"\(attr(error.code))\" message=\"\(attr(error.message))\">\(text(error.code + provider + ": " + error.message))</\(element)>\n"
        } else if let reason = job.skippedBecause {
            xml += "      <skipped message=\"\(attr(reason))\"/>\n"
        }
        if let output = job.output { xml += attachment(output.path, in: outDirectory) }
        return xml + "    </testcase>\n"
    }

    /// JUnit for `validate`: one suite per manifest, one test case holding its diagnostics.
    public static func xml(forValidation results: [(file: String, diagnostics: [Diagnostic], jobs: Int?)]) -> String {
        let failed = results.count { $0.diagnostics.contains { $0.severity == .error } }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"veo-pipeline validate\" tests=\"\(results.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"0\">\n"
        for result in results {
            let errors = result.diagnostics.filter { $0.severity == .error }
            xml += "  <testsuite name=\"\(attr(result.file))\" tests=\"1\" failures=\"\(errors.isEmpty ? 0 : 1)\" errors=\"0\" skipped=\"0\" file=\"\(attr(result.file))\">\n"
            xml += "    <testcase classname=\"validate\" name=\"\(attr(result.file))\" file=\"\(attr(result.file))\" time=\"0.000\">\n"
            if !errors.isEmpty {
                let first = errors[0]
                xml += "      <failure type=\"invalid_manifest\" message=\"\(attr("\(errors.count) error\(errors.count == 1 ? "" : "s"): \(first.message)"))\">"
                xml += text(result.diagnostics.map(\.description).joined(separator: "\n")) + "</failure>\n"
            } else if !result.diagnostics.isEmpty {
                xml += "      <system-out>\(text(result.diagnostics.map(\.description).joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    // MARK: - XML text

    private static func property(_ name: String, _ value: String) -> String {
        "        <property name=\"\(attr(name))\" value=\"\(attr(value))\"/>\n"
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Text for an attribute value: markup escaped, line breaks kept as character references,
    /// characters XML 1.0 cannot hold (most control characters) shown as `\u{…}`.
    static func attr(_ value: String) -> String {
        escape(value, attribute: true)
    }

    static func text(_ value: String) -> String {
        escape(value, attribute: false)
    }

    private static func escape(_ value: String, attribute: Bool) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0x7F...0x9F).contains(v) || v == 0xFFFE || v == 0xFFFF {
                    out += "\\u{\(String(v, radix: 16, uppercase: true))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
