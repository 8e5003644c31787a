import Foundation
import Synchronization
import VeoClient
import VeoManifest
import VeoProvider

// What the job stages (JobStages.swift) keep beside them: the over-budget skip, the log of create
// attempts, the request's seconds as a duration, the count of polls.

/// A job whose estimated cost did not fit the budget's remainder (`--render-what-fits`).
struct OverBudgetSkip: Error {
    var usd: Double
}

/// Each create attempt of one job, as the client reports it: `submitting` in the journal before it
/// goes out, `not_taken` after an answer proving the server did not take it. A kill while waiting
/// out a 429 then leaves no false ambiguous submission.
final class AttemptLog: Sendable {
    private let journal: Journal
    private let key: String
    private let job: String
    private let counter: Mutex<Int>

    init(journal: Journal, key: String, job: String, earlier: Int) {
        (self.journal, self.key, self.job) = (journal, key, job)
        counter = Mutex(earlier)
    }

    var count: Int { counter.withLock { $0 } }

    @Sendable func record(_ attempt: SubmitAttempt) async throws {
        switch attempt {
        case .sending:
            counter.withLock { $0 += 1 }
            try await journal.append(JournalEntry(event: .submitting, key: key, job: job))
        case .notTaken(_, let status):
            try await journal.append(JournalEntry(event: .notTaken, key: key, job: job, message: status.map { "answered HTTP \($0)" } ?? "not sent"))
        }
    }
}

extension GenerationRequest {
    /// The request as sent when it mixes URLs and files: the fetched URL images go as files too.
    var sendingFetchedImagesAsFiles: GenerationRequest {
        guard mixesURLsAndUploads else { return self }
        var copy = self
        copy.inputs = inputs.map { input in
            guard case .url(let url) = input.source else { return input }
            return RequestInput(role: input.role, source: .file(path: url, written: url))
        }
        return copy
    }
}

/// Counts one job's polls (told by the client's `onUpdate`).
final class PollTally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
