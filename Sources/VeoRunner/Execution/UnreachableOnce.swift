import Synchronization

/// A server that cannot be reached is said once for the run (issue 24, item 25): the first job
/// that meets it fails with the connection's own message; jobs that were already trying at the
/// same time, and never reached it either, are skipped with a pointer to that job rather than
/// repeating the failure. None of them is charged (`FailureCode.provablyNotTaken`).
final class UnreachableOnce: Sendable {
    private let first = Mutex<String?>(nil)

    /// nil for the first unreachable failure of the run (or any other failure); a skip for the next ones.
    func repeated(_ failure: JobFailure, job: String) -> Skip? {
        guard failure.code == .unreachable else { return nil }
        let earlier: String? = first.withLock { first in
            if let first { return first }
            first = job
            return nil
        }
        return earlier.map { Skip(cause: .notRun, reason: "not sent: the server cannot be reached (see job '\($0)')") }
    }
}
