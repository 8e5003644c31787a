import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The request context: Hummingbird's core storage, the channel (so that a fault can drop a
/// connection without answering), and the note the request log will keep of the request.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let note = RequestNote()

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// What the request log will say about one request. The recording middleware starts it from
/// the path; later middleware and the handler add what they learn (auth, body, job, fault).
final class RequestNote: Sendable {
    struct Entry: Sendable {
        var kind: RecordedRequest.Kind = .other
        var videoID: String?
        var authorized = false
        var received: ReceivedCreate?
        var fault: InjectedFault?
    }

    private let entry = Mutex(Entry())

    func update(_ change: (inout Entry) -> Void) {
        entry.withLock { change(&$0) }
    }

    func noteFault(_ fault: InjectedFault) {
        update { $0.fault = fault }
    }

    /// The record of the request, answered with `status` (nil: dropped unanswered).
    func recorded(method: String, path: String, status: Int?, at timestamp: Date) -> RecordedRequest {
        let entry = entry.withLock { $0 }
        return RecordedRequest(
            kind: entry.kind, method: method, path: path, status: status, contentType: entry.received?.contentType,
            authorized: entry.authorized, videoID: entry.videoID, fields: entry.received?.fields ?? [:],
            imageURLs: entry.received?.imageURLs ?? [], imageSHA256: entry.received?.imageSHA256 ?? [],
            fault: entry.fault?.rawValue, timestamp: timestamp)
    }
}
