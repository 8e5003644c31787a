import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import VeoSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Why no answer came, in words (never the raw text of NIO or AsyncHTTPClient errors)

/// A failure to exchange with the server, reduced to what a person needs: whether a connection
/// could be opened at all, and a short reason.
enum TransportProblem: Equatable {
    /// No connection was opened: refused, no such host, connect timeout, unreachable network, TLS.
    case connect(String)
    /// A connection was opened and then failed: closed, reset, stalled.
    case broken(String)
    case cancelled

    var reason: String {
        switch self {
        case .connect(let reason), .broken(let reason): reason
        case .cancelled: "cancelled"
        }
    }

    /// What `error` means. `connectTimeout` names the limit in the text of a connect timeout.
    static func of(_ error: any Error, connectTimeout: Duration) -> TransportProblem {
        if error is CancellationError { return .cancelled }
        if let timedOut = error as? TransferTimedOut { return .broken(timedOut.reason) }
        if let error = error as? HTTPClientError { return of(error, connectTimeout: connectTimeout) }
        if let error = error as? IOError { return of(errno: error.errnoCode) }
        if let error = error as? ChannelError { return of(error, connectTimeout: connectTimeout) }
        if let error = error as? HTTPParserError {
            return .broken(error == .invalidEOFState ? "the server closed the connection" : "the answer is not valid HTTP")
        }
        if let error = error as? SocketAddressError.UnknownHost {
            return .connect("cannot resolve the host name \"\(ServerText.excerpt(error.host, limit: 100))\"")
        }
        if error is SocketAddressError { return .connect("cannot resolve the host name") }
        let typeName = String(reflecting: type(of: error))
        if typeName.contains("NIOSSL") || typeName.contains("BoringSSL") {
            return .connect("the TLS handshake failed (certificate or protocol)")
        }
        if typeName.hasSuffix("NIOConnectionError") { return ofConnectionError(error, connectTimeout: connectTimeout) }
        return .broken("the connection failed")
    }

    private static func of(_ error: HTTPClientError, connectTimeout: Duration) -> TransportProblem {
        let known: [(HTTPClientError, TransportProblem)] = [
            (.connectTimeout, .connect("connect timed out after \(DurationText.of(connectTimeout))")),
            (.tlsHandshakeTimeout, .connect("the TLS handshake timed out")),
            (.getConnectionFromPoolTimeout, .connect("no connection became free in time")),
            (.invalidURL, .connect("the URL is not an http or https URL with a host")),
            (.emptyHost, .connect("the URL has no host")),
            (.emptyScheme, .connect("the URL has no scheme")),
            (.remoteConnectionClosed, .broken("the server closed the connection")),
            (.readTimeout, .broken("the server stopped sending")),
            (.writeTimeout, .broken("the request could not be sent in time")),
            (.deadlineExceeded, .broken("no answer in time")),
            (.cancelled, .cancelled),
        ]
        return known.first { $0.0 == error }?.1 ?? .broken("the HTTP exchange failed")
    }

    private static func of(_ error: ChannelError, connectTimeout: Duration) -> TransportProblem {
        switch error {
        case .connectTimeout: .connect("connect timed out after \(DurationText.of(connectTimeout))")
        case .connectPending: .connect("the connection could not be opened")
        default: .broken("the connection closed")
        }
    }

    static func of(errno code: Int32) -> TransportProblem {
        switch code {
        case ECONNREFUSED: .connect("connection refused")
        case ENETUNREACH: .connect("the network is unreachable")
        case EHOSTUNREACH: .connect("the host is unreachable")
        case ETIMEDOUT: .connect("connect timed out")
        case ECONNRESET: .broken("the server reset the connection")
        case EPIPE: .broken("the server closed the connection")
        default: .broken(FileErrorText.reason(errno: code))
        }
    }

    /// NIOPosix's `NIOConnectionError` (the client does not link NIOPosix): the errors of its DNS
    /// lookups and connection attempts are read from its stored properties.
    private static func ofConnectionError(_ error: any Error, connectTimeout: Duration) -> TransportProblem {
        var connectErrors: [any Error] = []
        var dnsFailed = false
        for child in Mirror(reflecting: error).children {
            switch child.label {
            case "dnsAError", "dnsAAAAError":
                if let value = child.value as? (any Error)?, value != nil { dnsFailed = true }
            case "connectionErrors":
                for failure in Mirror(reflecting: child.value).children {
                    for field in Mirror(reflecting: failure.value).children {
                        if let nested = field.value as? any Error { connectErrors.append(nested) }
                    }
                }
            default:
                break
            }
        }
        if let first = connectErrors.first {
            let problem = of(first, connectTimeout: connectTimeout)
            if case .broken(let reason) = problem { return .connect(reason) }
            return problem
        }
        return .connect(dnsFailed ? "cannot resolve the host name" : "the host name has no address")
    }
}

/// A duration as people write it: `30 s`, `1.5 s`, `250 ms`, `2 min`.
enum DurationText {
    static func of(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds >= 120, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60)) min" }
        if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
        return "\((seconds * 10).rounded() / 10) s"
    }
}
