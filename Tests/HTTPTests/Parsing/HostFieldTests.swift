@testable import HTTP
import Testing

/// `Host` and the absolute-form authority (RFC 9112 §3.2, RFC 3986 §3.2.2).
@Suite struct HostFieldTests {
    @Test(arguments: [
        "t", "localhost", "127.0.0.1:8000", "localhost:", "files.example.com:8001", "xn--bcher-kva.example",
        "[::1]", "[::1]:8001", "[2001:db8::7]:80", "[::ffff:192.0.2.1]", "[v1.fe:80]", "a%41b", "!$&'()*+,;=", "",
    ])
    func validHosts(_ value: String) {
        #expect(HostField.isValid(value[...]))
    }

    @Test(arguments: [
        "a b/c", #""><script>"#, "a/b", "a\\b", "user@host", "host:80a", "a:1:2", "[::1", "[zz::1]", "[::1]x",
        "[::1]:8x", "a%4", "a%zz", "<x>", "a?b", "a#b", "ex\tample", "é.example",
    ])
    func invalidHosts(_ value: String) {
        #expect(!HostField.isValid(value[...]))
    }

    private func settled(_ target: String, _ fields: [(String, String)]) -> Result<[String], HTTPParseError> {
        var head = RequestHead(method: .get, target: target, version: .http1_1, headers: fields.map { (name: $0.0, value: $0.1) })
        do {
            try head.settleHost()
            return .success(head.headers.filter { $0.name.equalsIgnoringASCIICase("Host") }.map(\.value))
        } catch {
            return .failure(error)
        }
    }

    @Test func theAbsoluteFormsAuthorityWinsOverTheHostField() {
        #expect(settled("http://files.example:8001/api/v1", [("Host", "127.0.0.1")]) == .success(["files.example:8001"]))
        #expect(settled("https://a.example?x=1", [("host", "b")]) == .success(["a.example"]))
        #expect(settled("http://a.example", [("Host", "b")]) == .success(["a.example"]))
        // The ignored field may be anything; an HTTP/1.0 request without one gets the authority.
        #expect(settled("http://a.example/", [("Host", "a b/c")]) == .success(["a.example"]))
        #expect(settled("http://a.example/", []) == .success(["a.example"]))
        // Every ignored field goes: a handler reads one Host.
        #expect(settled("http://a.example/", [("Host", "b"), ("X", "1"), ("Host", "c d")]) == .success(["a.example"]))
    }

    @Test func anAbsoluteFormWithoutAValidHostIsRefused() {
        #expect(settled("http:///path", [("Host", "a")]) == .failure(.invalidHost))
        #expect(settled("http://user:secret@a.example/", [("Host", "a")]) == .failure(.invalidHost))
        #expect(settled("http://a b/", [("Host", "a")]) == .failure(.invalidHost))
    }

    @Test func originFormKeepsAValidHostAndRefusesAnInvalidOne() {
        #expect(settled("/x", [("Host", "127.0.0.1:8001")]) == .success(["127.0.0.1:8001"]))
        #expect(settled("/x", [("Host", "")]) == .success([""]))
        #expect(settled("/x", [("Host", #""><script>"#)]) == .failure(.invalidHost))
        #expect(settled("*", [("Host", "a b/c")]) == .failure(.invalidHost))
    }
}
