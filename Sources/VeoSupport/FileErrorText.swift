import Foundation

/// An error whose `description` is written for the person running the tool: what failed, on
/// which file or server, and why, in words. Only these errors' text reaches a user as it is.
public protocol UserFacingError: Error, CustomStringConvertible {}

extension FileError: UserFacingError {}

/// Errors as short text for messages. Foundation's own error texts ("The operation could not be
/// completed…", "Error Domain=NSCocoaErrorDomain Code=516 …") never reach a user: they are
/// replaced by the POSIX reason or a short phrase.
public enum FileErrorText {
    /// The text of any error: a ``UserFacingError``'s description, else the file-system reason.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? any UserFacingError { return error.description }
        return reason(error)
    }

    /// A file-system error as short text ("no such file or directory", "permission denied").
    public static func reason(_ error: any Error) -> String {
        if let error = error as? any UserFacingError { return error.description }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return reason(errno: Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return reason(errno: Int32(underlying.code))
        }
        if ns.domain == NSCocoaErrorDomain, let phrase = cocoaPhrases[ns.code] { return phrase }
        return "an unexpected error (\(ns.domain) \(ns.code))"
    }

    /// A POSIX error number as short text ("no such file or directory").
    public static func reason(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }

    /// Foundation's file error codes (`CocoaError.Code`) in words.
    private static let cocoaPhrases: [Int: String] = [
        4: "no such file or directory",  // fileNoSuchFile
        256: "the file cannot be read",  // fileReadUnknown
        257: "permission denied",  // fileReadNoPermission
        259: "the file is not in the expected format",  // fileReadCorruptFile
        260: "no such file or directory",  // fileReadNoSuchFile
        261: "the file is not valid text",  // fileReadInapplicableStringEncoding
        512: "the file cannot be written",  // fileWriteUnknown
        513: "permission denied",  // fileWriteNoPermission
        516: "a file with that name is in the way",  // fileWriteFileExists
        640: "no space left on device",  // fileWriteOutOfSpace
        642: "read-only file system",  // fileWriteVolumeReadOnly
        3840: "the data is not valid JSON",  // propertyListReadCorrupt
        4864: "the data is not valid JSON",  // coderReadCorrupt
        4865: "a value is missing",  // coderValueNotFound
    ]
}
