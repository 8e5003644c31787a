import Synchronization

/// Every request the emulator answered (control requests aside), in order.
final class RequestLog: Sendable {
    private let requests = Mutex<[RecordedRequest]>([])

    func append(_ request: RecordedRequest) {
        requests.withLock { $0.append(request) }
    }

    var record: EmulatorRecord {
        EmulatorRecord(requests: requests.withLock { $0 })
    }

    func clear() {
        requests.withLock { $0 = [] }
    }
}
