#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Logging
import Processes
import RostiHosting
import Testing
import Synchronization
import TestSupport

/// The front door with a real nginx in front of stand-in apps (upstream.py): routing by
/// `Host`, the balancer's headers, keep-alive, streamed bodies, upgrades, reloads.
@Suite(.enabled(if: FrontDoor.isInstalled, "nginx is not installed: \(FrontDoor.installCommand)"))
struct FrontDoorTests {
    /// A stand-in app on a free port.
    final class Upstream {
        let child: ChildProcess
        let port: Int

        init(name: String, watcher: ProcessWatcher) throws {
            var ends: [Int32] = [-1, -1]
            precondition(pipe(&ends) == 0)
            var command = Command(
                "/usr/bin/python3", [URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("upstream.py").path, "0", name],
                environment: ["PATH": "/usr/bin:/bin"])
            command.descriptors = [-1, ends[1], -1]
            child = try watcher.spawn(command)
            close(ends[1])
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(ends[0], &byte, 1) == 1, byte != 10 { line.append(byte) }
            close(ends[0])
            port = Int(String(decoding: line, as: UTF8.self).split(separator: " ").last ?? "") ?? 0
            precondition(port > 0, "upstream.py did not start")
        }
    }

    final class Fixture {
        let watcher: ProcessWatcher
        let directory: TemporaryDirectory
        let frontDoor: FrontDoor
        let blog: Upstream
        let shop: Upstream

        init() throws {
            watcher = try ProcessWatcher()
            directory = try TemporaryDirectory()
            frontDoor = try FrontDoor(
                host: "127.0.0.1", port: 0, directory: directory.path("front-door"), watcher: watcher,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            blog = try Upstream(name: "blog", watcher: watcher)
            shop = try Upstream(name: "shop", watcher: watcher)
            try frontDoor.apply([
                FrontDoorRoute(hostNames: ["blog.example.test", "blog-1201.localhost"], appName: "blog", target: .app(port: blog.port)),
                FrontDoorRoute(hostNames: ["shop-1202.localhost"], appName: "shop", target: .app(port: shop.port)),
                FrontDoorRoute(hostNames: ["old-1203.localhost"], appName: "old", target: .stopped),
                FrontDoorRoute(hostNames: ["broken-1204.localhost"], appName: "broken", target: .fault(status: 504)),
            ])
        }

        deinit {
            frontDoor.stop()
            watcher.shutdown(grace: .seconds(2))
        }

        func get(_ path: String, host: String, client: RawClient? = nil) throws -> RawResponse {
            let client = try client ?? RawClient(port: frontDoor.port)
            try client.send("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n")
            return try client.readResponse()
        }
    }

    @Test func routesByHostAndSetsTheBalancersHeaders() throws {
        let fixture = try Fixture()
        #expect(try fixture.get("/who", host: "blog.example.test").text == "blog")
        #expect(try fixture.get("/who", host: "blog-1201.localhost").text == "blog")
        #expect(try fixture.get("/who", host: "shop-1202.localhost:\(fixture.frontDoor.port)").text == "shop")
        let headers = try JSONSerialization.jsonObject(with: Data(fixture.get("/headers", host: "blog.example.test").body)) as? [String: String]
        #expect(headers?["host"] == "blog.example.test")
        #expect(headers?["x-forwarded-for"] == "127.0.0.1")
        #expect(headers?["x-forwarded-proto"] == "http")
        #expect(headers?["x-real-ip"] == "127.0.0.1")
    }

    @Test func unknownStoppedAndFaultedHostsGetTheirOwnAnswers() throws {
        let fixture = try Fixture()
        let unknown = try fixture.get("/", host: "nobody.example.test")
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("No Rosti app answers for this host name"))
        let stopped = try fixture.get("/anything", host: "old-1203.localhost")
        #expect(stopped.status == 503)
        #expect(stopped.text.contains("The app old is stopped"))
        #expect(try fixture.get("/", host: "broken-1204.localhost").status == 504)
    }

    /// A stopped app's page is written into nginx's configuration: a name with what nginx
    /// reads in a quoted string (quotes, backslashes, variables, braces, line ends) is shown
    /// as it is, changes nothing of the configuration, and the page is a whole HTML page.
    @Test func aStoppedAppsPageShowsAnyNameAsItIs() throws {
        let fixture = try Fixture()
        let name = "odd\"$host\\n{ return 200; };\n<b>&"
        try fixture.frontDoor.apply([
            FrontDoorRoute(hostNames: ["odd-1205.localhost"], appName: name, target: .stopped),
            FrontDoorRoute(hostNames: ["old-1203.localhost"], appName: "old", target: .stopped),
        ])
        let stopped = try fixture.get("/", host: "odd-1205.localhost")
        #expect(stopped.status == 503)
        #expect(stopped.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(stopped.text.hasPrefix("<!doctype html>\n<html>"))
        #expect(stopped.text.contains("The app odd&quot;&#36;host&#92;n{ return 200; };\n&lt;b&gt;&amp; is stopped"), "\(stopped.text)")
        #expect(try fixture.get("/", host: "old-1203.localhost").text.contains("The app old is stopped"))
    }

    @Test func keepsTheClientsConnectionAliveAcrossApps() throws {
        let fixture = try Fixture()
        let client = try RawClient(port: fixture.frontDoor.port)
        for _ in 0..<3 {
            #expect(try fixture.get("/who", host: "blog.example.test", client: client).text == "blog")
            #expect(try fixture.get("/who", host: "shop-1202.localhost", client: client).text == "shop")
        }
    }

    @Test func streamsALargeBodyToTheApp() throws {
        let fixture = try Fixture()
        let body = [UInt8]((0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let client = try RawClient(port: fixture.frontDoor.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: blog.example.test\r\nContent-Length: \(body.count)\r\n\r\n")
        try client.send(body)
        let answer = try JSONSerialization.jsonObject(with: Data(client.readResponse().body)) as? [String: Any]
        #expect(answer?["length"] as? Int == body.count)
        #expect((answer?["sha1"] as? String)?.count == 40)
    }

    @Test func passesAWebSocketUpgradeThrough() throws {
        let fixture = try Fixture()
        let client = try RawClient(port: fixture.frontDoor.port)
        try client.send(
            "GET /ws HTTP/1.1\r\nHost: blog.example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)), recv(client.descriptor, &byte, 1, 0) == 1 { head.append(byte) }
        let text = String(decoding: head, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101"))
        #expect(text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        try client.send("ping through the door")
        var echoed = [UInt8](repeating: 0, count: 21)
        var got = 0
        while got < echoed.count {
            let count = echoed[got...].withUnsafeMutableBytes { recv(client.descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            got += count
        }
        #expect(String(decoding: echoed, as: UTF8.self) == "ping through the door")
    }

    @Test func aNewSetOfRoutesAnswersAsSoonAsApplyReturns() throws {
        let fixture = try Fixture()
        for round in 0..<20 {
            let blogStopped = round % 2 == 0
            try fixture.frontDoor.apply([
                FrontDoorRoute(hostNames: ["blog.example.test"], appName: "blog", target: blogStopped ? .stopped : .app(port: fixture.blog.port)),
            ])
            let answer = try fixture.get("/who", host: "blog.example.test")
            #expect(answer.status == (blogStopped ? 503 : 200), "\(answer.status) \(answer.text)")
            #expect(try fixture.get("/who", host: "shop-1202.localhost").status == 404)
        }
    }

    /// `curl` over TLS to the front door, trusting only the test's authority, with `name`
    /// resolved to loopback (so the name is the one the certificate must cover).
    static func curlOverTLS(_ name: String, port: Int, path: String = "/", authority: LocalCertificateAuthority) -> (status: Int32, output: String) {
        let result = try? SSHClient.run("/usr/bin/curl", [
            "-sS", "-m", "10", "--cacert", authority.authorityCertificatePath, "--resolve", "\(name):\(port):127.0.0.1",
            "-w", "\n%{http_code}", "https://\(name):\(port)\(path)",
        ])
        return (result?.0 ?? -1, result?.1 ?? "")
    }

    /// Over TLS each app answers with a certificate of the local authority for its own
    /// names, the default server with one for localhost; `X-Forwarded-Proto` says https;
    /// a route that goes takes its certificate's files with it, and a certificate due for
    /// renewal is issued anew.
    @Test func eachAppAnswersOverTLSWithACertificateForItsNames() throws {
        let fixture = try Fixture()
        let authority = LocalCertificateAuthority(directory: fixture.directory.path("ca"))
        let issued = Mutex(0)
        func door(_ folder: String, renewAfter: Duration) throws -> FrontDoor {
            try FrontDoor(
                host: "127.0.0.1", port: 0, directory: fixture.directory.path(folder), watcher: fixture.watcher,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                tls: FrontDoor.TLS(port: 0, renewAfter: renewAfter) { names in
                    issued.withLock { $0 += 1 }
                    let made = try authority.issueCertificate(names: names)
                    return (made.certificate, made.key)
                })
        }
        let frontDoor = try door("tls-front-door", renewAfter: .seconds(3600))
        defer { frontDoor.stop() }
        let port = try #require(frontDoor.tls?.port)
        let routes = [
            FrontDoorRoute(hostNames: ["blog.example.test", "blog-1201.localhost"], appName: "blog", target: .app(port: fixture.blog.port)),
            FrontDoorRoute(hostNames: ["shop-1202.localhost"], appName: "shop", target: .app(port: fixture.shop.port)),
        ]
        try frontDoor.apply(routes)
        #expect(Self.curlOverTLS("blog.example.test", port: port, path: "/who", authority: authority).output == "blog\n200")
        #expect(Self.curlOverTLS("blog-1201.localhost", port: port, path: "/who", authority: authority).output == "blog\n200")
        #expect(Self.curlOverTLS("shop-1202.localhost", port: port, path: "/who", authority: authority).output == "shop\n200")
        let headers = Self.curlOverTLS("blog.example.test", port: port, path: "/headers", authority: authority).output
        #expect(headers.contains(#""x-forwarded-proto": "https""#), "\(headers)")
        #expect(Self.curlOverTLS("localhost", port: port, authority: authority).output.hasSuffix("\n404"))
        // The plain port still answers.
        let plain = try RawClient(port: frontDoor.port)
        try plain.send("GET /who HTTP/1.1\r\nHost: blog.example.test\r\n\r\n")
        #expect(try plain.readResponse().text == "blog")
        #expect(issued.withLock { $0 } == 3, "the default server's, blog's and shop's")

        // The same routes again: nothing issued. One route less: its files go.
        let folder = fixture.directory.path("tls-front-door/certificates")
        try frontDoor.apply(routes)
        #expect(issued.withLock { $0 } == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 6)
        try frontDoor.apply(Array(routes.prefix(1)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 4)
        // A name no app has gets the default server's certificate, for localhost only.
        let gone = Self.curlOverTLS("shop-1202.localhost", port: port, path: "/who", authority: authority)
        #expect(gone.status != 0 && gone.output.hasSuffix("000"), "\(gone)")

        // Due for renewal at every change: new certificates, the old files gone.
        frontDoor.stop()
        let renewing = try door("renewing-front-door", renewAfter: .zero)
        defer { renewing.stop() }
        let renewingFolder = fixture.directory.path("renewing-front-door/certificates")
        try renewing.apply(routes)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: renewingFolder))
        try renewing.apply(routes)
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: renewingFolder))
        #expect(after.count == 6 && after.isDisjoint(with: before), "\(before) → \(after)")
        let renewedPort = try #require(renewing.tls?.port)
        #expect(Self.curlOverTLS("blog.example.test", port: renewedPort, path: "/who", authority: authority).output == "blog\n200")
    }

    @Test func stopClosesThePortAndEndsNginx() throws {
        let fixture = try Fixture()
        #expect(fixture.frontDoor.isRunning)
        fixture.frontDoor.stop()
        #expect(!fixture.frontDoor.isRunning)
        #expect(throws: (any Error).self) { try RawClient(port: fixture.frontDoor.port) }
    }
}

@Suite struct FrontDoorConfigurationTests {
    @Test(arguments: ["blog.example.test", "*.example.test", "blog-1201.localhost", "a"])
    func acceptsHostNames(_ name: String) {
        #expect(FrontDoor.isServerName(name))
    }

    @Test(arguments: ["", "bad name", "x;evil", "a{b}", "\"q\"", ".lead", "-lead", "*."])
    func leavesOutWhatCouldChangeTheConfiguration(_ name: String) {
        #expect(!FrontDoor.isServerName(name))
    }
}
