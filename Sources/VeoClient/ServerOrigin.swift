import Foundation

// MARK: - Which server a URL points at

/// The origin of a URL: scheme, host and port, lowercased, the port filled in for http (80) and
/// https (443). Two URLs share an origin when all three are equal. The client sends the API key
/// only to the API's own origin; the journal uses `description` to tell servers apart.
public struct ServerOrigin: Sendable, Hashable, CustomStringConvertible {
    public let scheme: String
    public let host: String
    public let port: Int

    /// Nil when `url` has no scheme or host, or no port and a scheme other than http or https.
    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        guard let port = components.port ?? Self.defaultPort(scheme) else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `scheme://host:port`, the port always written.
    public var description: String { "\(scheme)://\(hostForURL):\(port)" }

    /// `scheme://host`, with `:port` only when it is not the scheme's usual one: for messages.
    public var display: String {
        port == Self.defaultPort(scheme) ? "\(scheme)://\(hostForURL)" : description
    }

    /// Whether `a` and `b` point at the same origin (false when either is not a URL with a host).
    public static func same(_ a: String, _ b: String) -> Bool {
        guard let a = ServerOrigin(a), let b = ServerOrigin(b) else { return false }
        return a == b
    }

    /// Whether the client follows a redirect to this scheme (a download never reads `file:` and the like).
    static func isFetchable(scheme: String?) -> Bool {
        guard let scheme = scheme?.lowercased() else { return false }
        return scheme == "http" || scheme == "https"
    }

    private var hostForURL: String { host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host }

    private static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }
}
