import Foundation

/// The front door's nginx configuration, made from its routes: one `server` per app, routed
/// by `Host`, proxying to the app's own front with the headers the platform's balancer sets
/// (`X-Forwarded-For`, `X-Forwarded-Proto`, `X-Real-Ip`), bodies streamed both ways,
/// keep-alive to the client and to the app, WebSocket upgrades passed through.
struct FrontDoorConfiguration {
    let listenHost: String
    let port: Int
    /// Where nginx keeps its pid, temporary files and the pages it answers itself.
    let directory: String
    let routes: [FrontDoorRoute]
    let limits: HostingLimits.FrontDoor
    /// Counts the configurations written; the default server answers it at
    /// `/__rostra/generation`, so Rostra knows when a reload has taken effect.
    let generation: Int
    /// The TLS port and the certificate of each set of names (`certificateNames`).
    var tls: TLS?

    struct TLS {
        let port: Int
        /// By the names, sorted and joined by spaces.
        let certificates: [String: CertificateFiles]
    }

    struct CertificateFiles: Sendable, Equatable {
        let certificate: String
        let key: String
    }

    /// What the default server's certificate names (a client that asks for a name no app
    /// has, or for none, gets the not-found page over TLS too).
    static let defaultServerNames = ["localhost", "127.0.0.1", "::1"]

    /// The names a route's certificate is for: those the route answers, sorted, as the
    /// local authority can name them (a wildcard domain is kept as `*.name`).
    static func certificateNames(of route: FrontDoorRoute) -> [String] {
        Array(Set(route.hostNames.filter(isServerName).map { $0.lowercased() })).sorted()
    }

    /// A page nginx answers itself, with the file name it is kept under in `pages/`.
    struct Page: Equatable {
        let fileName: String
        let html: String
    }

    /// The pages kept as files: what an unknown host gets. A stopped app's page names the
    /// app, so it is written into the configuration itself (`return 503 "…"`): a file per
    /// stopped app would be written again at every change, and a change costs every app.
    static let pages = [
        Page(fileName: "unknown-host.html", html: page(
            title: "No app here", text: "No Rosti app answers for this host name. Each app answers for its domains and for <name>-<id>.localhost.")),
    ]

    /// The stopped page of the app named `appName`, as an nginx quoted string. What nginx
    /// would read in one becomes an HTML character reference: `"` (already `&quot;` in the
    /// text, and the page's markup has none), `\` and `$` (which starts a variable); a line
    /// end becomes nginx's `\n`.
    static func stoppedPage(appName: String) -> String {
        let html = page(
            title: "App stopped", text: "The app \(appName) is stopped. Start it with apps-action {\"action\": \"start\"} (or rostictl start).")
        let quoted = html.replacingOccurrences(of: "\\", with: "&#92;").replacingOccurrences(of: "$", with: "&#36;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\r", with: "&#13;")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + quoted + "\""
    }

    var text: String {
        var lines = [
            "# Written by Rostra at every change of its apps; edits are lost.",
            "daemon off;",
            "worker_processes 1;",
            "pid \(directory)/nginx.pid;",
            "error_log stderr warn;",
            "events { worker_connections \(limits.connections); }",
            "http {",
            "    access_log off;",
            "    server_tokens off;",
            "    default_type text/html;",
            "    client_body_temp_path \(directory)/tmp/body;",
            "    proxy_temp_path \(directory)/tmp/proxy;",
            "    fastcgi_temp_path \(directory)/tmp/fastcgi;",
            "    uwsgi_temp_path \(directory)/tmp/uwsgi;",
            "    scgi_temp_path \(directory)/tmp/scgi;",
            // Names like `blog-1201.rostiapp.cz` and long domain lists.
            "    server_names_hash_bucket_size 128;",
            "    server_names_hash_max_size 4096;",
            "    client_max_body_size \(limits.maximumBodyMegabytes)m;",
            "    proxy_http_version 1.1;",
            "    ssl_protocols TLSv1.2 TLSv1.3;",
            "    ssl_session_cache shared:rostra_front_door:1m;",
            // Streamed both ways, as the platform's balancer does for large uploads and
            // long answers.
            "    proxy_buffering off;",
            "    proxy_request_buffering off;",
            "    proxy_read_timeout \(limits.upstreamTimeoutSeconds)s;",
            "    proxy_send_timeout \(limits.upstreamTimeoutSeconds)s;",
            "    proxy_connect_timeout 5s;",
            // An upgrade (WebSocket) goes through as one; any other request keeps the
            // connection to the app alive (an empty Connection header).
            "    map $http_upgrade $rostra_connection { default upgrade; '' ''; }",
            "    proxy_set_header Host $host;",
            "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "    proxy_set_header X-Forwarded-Proto $scheme;",
            "    proxy_set_header X-Real-Ip $remote_addr;",
            "    proxy_set_header Upgrade $http_upgrade;",
            "    proxy_set_header Connection $rostra_connection;",
            "    server {",
            "        listen \(listen) default_server;",
        ] + tlsLines(names: Self.defaultServerNames, defaultServer: true) + [
            "        location / { return 404; }",
            "        location = /__rostra/generation { default_type text/plain; return 200 \"\(generation)\"; }",
            "        error_page 404 /__rostra/unknown-host.html;",
            "        location = /__rostra/unknown-host.html { internal; root \(directory)/pages; rewrite ^ /unknown-host.html break; }",
            "    }",
        ]
        for (index, route) in routes.enumerated() {
            let names = route.hostNames.filter(Self.isServerName)
            guard !names.isEmpty else { continue }
            lines.append("    server {")
            lines.append("        listen \(listen);")
            lines += tlsLines(names: Self.certificateNames(of: route), defaultServer: false)
            lines.append("        server_name \(names.joined(separator: " "));")
            switch route.target {
            case .app(let port):
                lines.append("        location / { proxy_pass http://app\(index); }")
                lines.append("    }")
                lines.append("    upstream app\(index) { server 127.0.0.1:\(port); keepalive \(limits.keepaliveConnectionsPerApp); }")
                continue
            case .stopped:
                lines.append("        location / { return 503 \(Self.stoppedPage(appName: route.appName)); }")
            case .fault(let status):
                lines.append("        location / { return \(status); }")
            }
            lines.append("    }")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private var listen: String { Self.address(listenHost, port) }

    private static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A server's TLS listener and its certificate (TLS 1.2 and 1.3; nginx offers ALPN
    /// `http/1.1`, as it serves no HTTP/2 here).
    private func tlsLines(names: [String], defaultServer: Bool) -> [String] {
        guard let tls, let files = tls.certificates[names.joined(separator: " ")] else { return [] }
        return [
            "        listen \(Self.address(listenHost, tls.port)) ssl\(defaultServer ? " default_server" : "");",
            "        ssl_certificate \(files.certificate);",
            "        ssl_certificate_key \(files.key);",
        ]
    }

    /// A name nginx takes as a `server_name` word as it is: letters, digits, `-`, `.`, and a
    /// leading `*.` wildcard. Anything else (spaces, `;`, `{`, quotes) could change the
    /// configuration, so such a domain is left out rather than escaped.
    static func isServerName(_ name: String) -> Bool {
        var rest = Substring(name)
        if rest.hasPrefix("*.") { rest = rest.dropFirst(2) }
        guard !rest.isEmpty, rest.utf8.count <= 253, rest.first != ".", rest.first != "-" else { return false }
        return rest.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D || byte == 0x2E
        }
    }

    private static func page(title: String, text: String) -> String {
        "<!doctype html>\n<html><head><meta charset=utf-8><title>\(escape(title)) · Rostra</title></head>\n"
            + "<body><h1>\(escape(title))</h1><p>\(escape(text))</p><p>Rostra, the local emulator of the Rosti API.</p></body></html>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
