import Testing

@testable import VeoClient

@Suite("Server text, video ids and origins (no network)")
struct ServerTextTests {
    @Test(arguments: [
        ("\u{1B}]0;pwned\u{07}title", #"\u{1B}]0;pwned\u{7}title"#),
        ("\u{1B}[2Jcleared", #"\u{1B}[2Jcleared"#),
        ("line\r\nfake: line", #"line\u{D}\u{A}fake: line"#),
        ("tab\there\u{7F}", #"tab\u{9}here\u{7F}"#),
        ("c1 \u{9B}31m", #"c1 \u{9B}31m"#),
        ("bidi \u{202E}cod.exe \u{2066}x\u{2069} \u{200F}\u{061C}", #"bidi \u{202E}cod.exe \u{2066}x\u{2069} \u{200F}\u{61C}"#),
        ("sep\u{2028}x", #"sep\u{2028}x"#),
        ("café 日本 🎬 \\ \"quoted\"", "café 日本 🎬 \\ \"quoted\""),
    ])
    func controlCharactersAreEscapedVisibly(raw: String, expected: String) {
        #expect(ServerText.sanitized(raw) == expected)
    }

    @Test func excerptsAreCutThenEscaped() {
        #expect(ServerText.excerpt(String(repeating: "a", count: 10), limit: 4) == "aaaa…")
        #expect(ServerText.excerpt("ab\u{1B}", limit: 10) == #"ab\u{1B}"#)
    }

    @Test(arguments: [
        ("video_1", true), ("a.b-c_D9", true), (String(repeating: "v", count: 200), true), ("...", true),
        ("", false), (".", false), ("..", false), ("a/b", false), ("a b", false), ("é", false),
        (String(repeating: "v", count: 201), false), ("a\u{0}", false), ("a%2F", false),
    ])
    func videoIdsAreChecked(id: String, valid: Bool) {
        #expect(VideoID.isValid(id) == valid)
    }

    @Test func originsAreComparedBySchemeHostAndPort() {
        #expect(ServerOrigin("HTTPS://Example.com/v1")?.description == "https://example.com:443")
        #expect(ServerOrigin("http://127.0.0.1:9/x")?.display == "http://127.0.0.1:9")
        #expect(ServerOrigin("https://example.com:443/x")?.display == "https://example.com")
        #expect(ServerOrigin.same("https://example.com/a", "https://EXAMPLE.com:443/b"))
        #expect(!ServerOrigin.same("https://example.com", "http://example.com"))
        #expect(!ServerOrigin.same("https://example.com", "https://example.com:8443"))
        #expect(!ServerOrigin.same("https://example.com", "https://cdn.example.com"))
        #expect(ServerOrigin("file:///etc/passwd") == nil && ServerOrigin("not a url") == nil)
    }
}
