import HTTP

/// The host a request for the browser page was sent to, so that the page's example
/// commands name this server: the `Host` field as the client sent it (the HTTP engine
/// refuses an HTTP/1.1 request without exactly one).
struct ServedHost: Equatable {
    /// Host and port, as in a URL: `127.0.0.1:8000`.
    let authority: String
    /// The host alone, lowercased and without an IPv6 literal's brackets: what coreapi-cli
    /// looks a URL's credentials up by (Python's `urlsplit(url).hostname`).
    let name: String
    /// `https` when the page was asked for over TLS: the examples then use it too.
    var scheme = "http"

    /// An HTTP/1.0 request may name no host; the page then shows these words.
    static let unnamed = ServedHost(authority: "HOST", name: "HOST_NAME")

    init(authority: String, name: String) {
        self.authority = authority
        self.name = name
    }

    init(authority: String) {
        var host = Substring(authority)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.firstIndex(of: ":") {
            host = host[..<colon]
        }
        self.init(authority: authority, name: host.lowercased())
    }

    init(request: Request) {
        if let host = request.headers["Host"], !host.isEmpty {
            self.init(authority: host)
        } else {
            self = .unnamed
        }
        scheme = request.scheme
    }

    /// The values of the page's `scheme`, `host` and `hostName` slots.
    var slots: [String: String] { ["scheme": scheme, "host": authority, "hostName": name] }
}
