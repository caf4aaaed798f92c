import EmulatedAPIs
import Emulator
import Foundation
import JSON
import Logging
import Processes
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// The Rosti API with real containers behind the real front door (nginx): an app answers
/// by its domain and by `<name>-<id>.localhost`, stop shows the stopped page and start
/// brings it back, apps-status reports what runs, the admin API's front-door and crash
/// faults, the balancer's headers reach the app.
@Suite(.serialized) struct AppFrontDoorTests {
    final class Fixture {
        let server: RostiTestServer
        let door: FrontDoor
        let folder: TemporaryDirectory

        init() throws {
            folder = try TemporaryDirectory()
            door = try FrontDoor(
                host: "127.0.0.1", port: 0, directory: folder.path("front-door"), watcher: try ProcessWatcher(),
                logger: Logger(label: "rostra.tests.front-door"))
            let containers = try AppContainers(options: .init(listenHost: "127.0.0.1", sshHost: "127.0.0.1", frontDoor: door))
            server = try RostiTestServer(state: nil, freezeAt: nil, containers: containers)
        }

        deinit { door.stop() }

        /// Status and body of `GET path` through the front door for `host`.
        func get(_ host: String, path: String = "/", headers: [String] = []) -> (Int, String) {
            let arguments = ["-s", "-m", "10", "-H", "Host: \(host)"] + headers.flatMap { ["-H", $0] } + ["-w", "\n%{http_code}", "http://127.0.0.1:\(door.port)\(path)"]
            guard let result = try? SSHClient.run("/usr/bin/curl", arguments), result.0 == 0 else { return (0, "") }
            let lines = result.1.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number)? = value { return number.double }
        return nil
    }

    @Test func anAppAnswersByDomainAndLocalhostNameStopsAndStartsAndReportsItsState() throws {
        let fixture = try Fixture()
        try AppContainersTests.requireContainers(fixture.server)
        let keys = try SSHClient.Keys()
        let body = #"{"name": "shop", "domains": ["shop.example.test"], "ssh_keys": ["\#(try keys.publicKey("ed25519").trimmingCharacters(in: .whitespacesAndNewlines))"]}"#
        let created = try fixture.server.send("POST", "/api/v1/1/apps/", json: body)
        #expect(created.status == 200, "\(created.text)")
        let app = try JSONParser.parse(created.body)
        let id = try #require(app["id"]?.int)
        let port = Int(try #require(app["ssh_access"]?.items.first?["port"]?.int))
        let local = "shop-\(id).localhost"
        #expect(eventually(timeout: .seconds(20)) { fixture.get(local).1.contains("<title>Roští.cz</title>") })
        #expect(fixture.get("shop.example.test").1.contains("<title>Roští.cz</title>"))
        #expect(fixture.get("nothing.example.test").0 == 404)
        // The dashboard's apps list links the app there.
        let overview = try JSONParser.parse(try fixture.server.get("/__admin/overview").body)
        let row = overview["rosti"]?["apps"]?["rows"]?.items.first { $0["id"]?.int == id }
        #expect(row?["open"]?.text == "http://\(local):\(fixture.door.port)/", "\(String(describing: row))")

        // A deployed app behind the container's nginx sees the balancer's headers.
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        #expect(try client.ssh("/usr/local/bin/rosti python").status == 0)
        let echo = """
            from http.server import BaseHTTPRequestHandler, HTTPServer
            class Answer(BaseHTTPRequestHandler):
                def do_GET(self):
                    text = "|".join(f"{k}={self.headers.get(k)}" for k in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "Host"))
                    self.send_response(200); self.end_headers(); self.wfile.write(text.encode())
            HTTPServer(("0.0.0.0", 8080), Answer).serve_forever()

            """
        #expect(try client.ssh("/bin/sh -c 'cat > /srv/app/app.py && supervisorctl restart app'", input: Array(echo.utf8)).status == 0)
        #expect(eventually(timeout: .seconds(20)) { fixture.get(local).1.hasPrefix("X-Forwarded-For=127.0.0.1|X-Forwarded-Proto=http|X-Real-Ip=127.0.0.1|Host=\(local)") },
                "\(fixture.get(local))")

        let status = try fixture.server.json("GET", "/api/v1/1/apps-status/\(id)/")
        #expect(status["running"] == .bool(true) && status["http_status"] == .bool(true), "\(status)")
        #expect((Self.number(status["memory"]?["usage"]) ?? 0) > 1)
        #expect((status["storage"]?["usage"]).map { $0 != .null } == true)
        #expect(status["primary_tech"]?["name"]?.text == "python")
        #expect(status["errors"]?.items.isEmpty == true, "\(status)")

        #expect(try fixture.server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "stop"}"#).status == 200)
        let stopped = fixture.get(local)
        #expect(stopped.0 == 503 && stopped.1.contains("App stopped"), "\(stopped)")
        let after = try fixture.server.json("GET", "/api/v1/1/apps-status/\(id)/")
        #expect(after["running"] == .bool(false) && after["http_status"] == .bool(false) && Self.number(after["memory"]?["usage"]) == 0)

        #expect(try fixture.server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "start"}"#).status == 200)
        #expect(eventually(timeout: .seconds(20)) { fixture.get(local).1.hasPrefix("X-Forwarded-For=") })

        // Faults: the front door answers 502 for the app, then serves it again.
        #expect(try fixture.server.send("POST", "/__admin/apps/\(id)/front-door", json: #"{"status": 502}"#).status == 200)
        #expect(fixture.get(local).0 == 502)
        #expect(try fixture.server.send("POST", "/__admin/apps/\(id)/front-door", json: #"{"status": 0}"#).status == 200)
        #expect(fixture.get(local).0 == 200)
        #expect(try fixture.server.send("POST", "/__admin/apps/\(id)/front-door", json: #"{"status": 200}"#).status == 400)
        #expect(try fixture.server.send("POST", "/__admin/apps/\(id)/crash", json: #"{"program": "app"}"#).status == 200)
        #expect(try fixture.server.send("POST", "/__admin/apps/\(id)/crash", json: #"{"program": "nosuch"}"#).status == 409)
        #expect(eventually(timeout: .seconds(20)) { fixture.get(local).1.hasPrefix("X-Forwarded-For=") })

        // A broken supervisor file is an error of apps-status, as on the platform.
        #expect(try client.ssh("printf '[program:broken\\n' > /srv/conf/supervisor.d/broken.conf").status == 0)
        let broken = try fixture.server.json("GET", "/api/v1/1/apps-status/\(id)/")
        #expect(broken["errors"]?.items.compactMap(\.text).contains { $0.contains("CANT_REREAD") } == true, "\(broken)")

        #expect(try fixture.server.send("DELETE", "/api/v1/1/apps/\(id)/").status == 200)
        #expect(fixture.get(local).0 == 404)
    }

    /// Another tenant's app answers at `<name>-<id>.<tenant>.localhost`, and that tenant's
    /// dashboard links it there (not by the default tenant's name for it).
    @Test func anotherTenantsAppIsLinkedByItsOwnName() throws {
        let fixture = try Fixture()
        try AppContainersTests.requireContainers(fixture.server)
        let tenant = [("X-Rostra-Tenant", "ci-front")]
        let created = try fixture.server.send("POST", "/api/v1/1/apps/", json: #"{"name": "blog"}"#, headers: tenant)
        #expect(created.status == 200, "\(created.text)")
        let id = try #require(try JSONParser.parse(created.body)["id"]?.int)
        let name = "blog-\(id).ci-front.localhost"
        #expect(eventually(timeout: .seconds(20)) { fixture.get(name).1.contains("<title>Roští.cz</title>") })
        let overview = try JSONParser.parse(try fixture.server.send("GET", "/__admin/overview", token: nil, headers: tenant).body)
        let row = overview["rosti"]?["apps"]?["rows"]?.items.first { $0["id"]?.int == id }
        #expect(row?["open"]?.text == "http://\(name):\(fixture.door.port)/", "\(String(describing: row))")
    }
}
