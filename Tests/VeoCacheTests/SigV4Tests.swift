import Foundation
import Testing
@testable import VeoCache

/// The signer against AWS's published answers: the aws-sig-v4-test-suite (service "service",
/// 2015-08-30) and the S3 examples of "Signature Calculations for the Authorization Header".
@Suite struct SigV4Tests {
    struct Vector: Sendable, CustomStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)]
        var payload: String = ""
        var authorization: String
        var description: String { name }
    }

    static let suite = SigV4(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3 = SigV4(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3")
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    static let suiteHost = ("Host", "example.amazonaws.com")
    static let suiteCases: [Vector] = [
        Vector(
            name: "get-vanilla", method: "GET", path: "/", headers: [suiteHost],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "post-vanilla", method: "POST", path: "/", headers: [suiteHost],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(
            name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
            headers: [suiteHost],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "post-x-www-form-urlencoded", method: "POST", path: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), suiteHost], payload: "Param1=value1",
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    static let s3Host = ("Host", "examplebucket.s3.amazonaws.com")
    static let empty = SigV4.emptyPayloadHash
    static let s3Cases: [Vector] = [
        Vector(
            name: "GET object with range", method: "GET", path: "/test.txt",
            headers: [s3Host, ("Range", "bytes=0-9"), ("x-amz-content-sha256", empty)],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        Vector(
            name: "PUT object", method: "PUT", path: "/test$file.text",
            headers: [
                s3Host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ],
            payload: "Welcome to Amazon S3.",
            authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        Vector(
            name: "GET bucket lifecycle", method: "GET", path: "/", query: [("lifecycle", "")], headers: [s3Host, ("x-amz-content-sha256", empty)],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        Vector(
            name: "list objects", method: "GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")],
            headers: [s3Host, ("x-amz-content-sha256", empty)],
            authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]

    static func authorization(_ signer: SigV4, _ vector: Vector, date: Date) -> String? {
        let hash = SigV4.hex(SHA256Hex.digest(vector.payload))
        let added = signer.sign(method: vector.method, path: vector.path, query: vector.query, headers: vector.headers, payloadHash: hash, date: date)
        return added.first { $0.0 == "authorization" }?.1
    }

    @Test("the aws-sig-v4-test-suite", arguments: suiteCases)
    func testSuite(_ vector: Vector) {
        #expect(Self.authorization(Self.suite, vector, date: Self.suiteDate) == vector.authorization)
    }

    @Test("the S3 examples", arguments: s3Cases)
    func s3Examples(_ vector: Vector) {
        #expect(Self.authorization(Self.s3, vector, date: Self.s3Date) == vector.authorization)
    }

    @Test func aSessionTokenIsSignedAndSent() {
        var signer = Self.suite
        signer.credentials.sessionToken = "TOKEN"
        let added = signer.sign(method: "GET", path: "/", headers: [Self.suiteHost], payloadHash: SigV4.emptyPayloadHash, date: Self.suiteDate)
        #expect(added.contains { $0 == ("x-amz-security-token", "TOKEN") })
        #expect(added.first { $0.0 == "authorization" }?.1.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
    }

    @Test func credentialsNeverPrintTheSecret() {
        let text = "\(Self.s3.credentials)"
        #expect(!text.contains("EXAMPLEKEY"))
        #expect(text.contains("AKIAIOSFODNN7EXAMPLE"))
    }

    @Test func encodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4.encode("a b/c~d+e$é", keepSlash: true) == "a%20b/c~d%2Be%24%C3%A9")
        #expect(SigV4.encode("a/b", keepSlash: false) == "a%2Fb")
    }
}

import Crypto

enum SHA256Hex {
    static func digest(_ text: String) -> [UInt8] { Array(SHA256.hash(data: Data(text.utf8))) }
}
