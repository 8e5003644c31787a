import Foundation
import Testing
@testable import VeoCache

/// What a cache URL or a record may put in a request, and what an error may print.
@Suite struct CacheLocationTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "SECRET-key"]

    @Test(arguments: [
        "s3://USER:PASSWORD-x@veo-cache/clips", "s3://PASSWORD-x@veo-cache/clips", "s3://USER:PASSWORD-x@/clips",
        "s3://Not_A:PASSWORD-x/clips",
    ])
    func userInfoInAnS3URLIsRefusedAndNeverPrinted(_ url: String) {
        let error = #expect(throws: CacheError.self) { _ = try CacheLocation.open(url, environment: Self.credentials) }
        #expect(error?.kind == .configuration)
        #expect(error?.description.contains("PASSWORD") == false, "\(String(describing: error))")
        #expect(error?.description.contains("USER") == false, "\(String(describing: error))")
    }

    @Test func aPlainS3URLOpens() throws {
        let cache = try CacheLocation.open("s3://veo-cache/team/clips", environment: Self.credentials)
        #expect(cache.name == "s3://veo-cache/team/clips")
    }

    @Test(arguments: ["", "../../../../etc/passwd", String(repeating: "A", count: 64), String(repeating: "a", count: 63), String(repeating: "0", count: 63) + "g"])
    func onlyA64DigitLowercaseHexIsASHA256(_ text: String) {
        #expect(!CachePaths.isSHA256(text))
        #expect(CachePaths.isSHA256(String(repeating: "0123456789abcdef", count: 4)))
    }

    @Test func aPathWithDotSegmentsOrControlsIsNeverSent() {
        #expect(CacheTransport.isPlainPath("/cache/cas/" + String(repeating: "a", count: 64)))
        #expect(!CacheTransport.isPlainPath("/cache/cas/../../../../etc/passwd"))
        #expect(!CacheTransport.isPlainPath("/cache/ac/./x"))
        #expect(!CacheTransport.isPlainPath("/cache/ac/a\u{1B}b"))
    }
}
