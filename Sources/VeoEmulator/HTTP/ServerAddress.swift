import Hummingbird
import Synchronization

/// The base URL the emulator listens on, once it is bound.
final class ServerAddress: Sendable {
    private let url = Mutex("http://127.0.0.1")

    func set(_ baseURL: String) {
        url.withLock { $0 = baseURL }
    }

    /// The base URL for links in answers to `request`: the host it was sent to, else the bound address.
    func baseURL(for request: Request) -> String {
        if let host = request.head.authority, !host.isEmpty { return "http://\(host)" }
        return url.withLock { $0 }
    }
}
