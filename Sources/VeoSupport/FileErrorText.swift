import Foundation

/// File-system errors as short text for messages ("no such file or directory", "permission denied").
public enum FileErrorText {
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return reason(errno: code.rawValue)
        }
        return ns.localizedDescription
    }

    /// A POSIX error number as short text ("no such file or directory").
    public static func reason(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
