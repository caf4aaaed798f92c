import Foundation
import JSON
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// Cron runs each running app's installed crontab inside its container, on the tenant's
/// clock: the admin API's clock moves make the jobs due as a real cron would, @reboot jobs
/// run at every start, and a stopped app runs nothing.
@Suite(.serialized) struct AppCronTests {
    /// 2026-01-10T12:00:00Z, 13:00 in the containers' time zone (Europe/Prague).
    static func server() throws -> RostiTestServer {
        try AppContainersTests.server(freezeAt: frozenMoment)
    }

    static func lines(_ client: SSHClient, _ file: String) -> [String] {
        ((try? client.ssh("cat \(file) 2>/dev/null").output) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func theCrontabRunsOnTheTenantsClockAsVixieCronWould() throws {
        let server = try Self.server()
        try AppContainersTests.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (_, port) = try AppContainersTests.createApp(server, name: "cronned", keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        let table = #"""
            GREETING=hello from cron
            * * * * * echo "$GREETING as $LOGNAME in $PWD" >> /srv/every-minute
            30 13 * * * echo fixed >> /srv/fixed
            */5 * * * * echo wild >> /srv/wild
            * * * * * cat > /srv/input%first line%second \% line
            0 13 * * * echo past >> /srv/past

            """#
        let installed = try client.ssh("cat > /srv/conf/crontab && crontab /srv/conf/crontab", input: Array(table.utf8))
        #expect(installed.status == 0, "\(installed.errors)")

        // 13:01: every minute's job, with cron's environment and the table's, in /srv.
        server.clock.advance(by: 60)
        #expect(eventually(timeout: .seconds(10)) { Self.lines(client, "/srv/every-minute").count == 1 })
        #expect(Self.lines(client, "/srv/every-minute") == ["hello from cron as app in /srv"])
        #expect(eventually(timeout: .seconds(10)) { Self.lines(client, "/srv/input") == ["first line", "second % line"] })
        #expect(Self.lines(client, "/srv/fixed").isEmpty)

        // 13:30, 29 minutes on: the wildcard jobs once (*/5 matches 13:30), the fixed-time
        // ones for every minute passed (13:30 among them); 13:00 was before the start.
        server.clock.advance(by: 29 * 60)
        #expect(eventually(timeout: .seconds(10)) {
            Self.lines(client, "/srv/every-minute").count == 2 && Self.lines(client, "/srv/fixed") == ["fixed"]
                && Self.lines(client, "/srv/wild") == ["wild"]
        }, "\(Self.lines(client, "/srv/every-minute")) \(Self.lines(client, "/srv/fixed")) \(Self.lines(client, "/srv/wild"))")
        #expect(Self.lines(client, "/srv/past").isEmpty)
        let log = Self.lines(client, "/srv/log/cron.log")
        #expect(log.contains { $0.hasSuffix(" CRON (app) CMD (echo fixed >> /srv/fixed)") }, "\(log)")

        // A frozen clock that does not move runs nothing more.
        usleep(1_500_000)
        #expect(Self.lines(client, "/srv/every-minute").count == 2)
    }

    @Test func rebootJobsRunAtEveryStartAndAStoppedAppRunsNothing() throws {
        let server = try Self.server()
        try AppContainersTests.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try AppContainersTests.createApp(server, name: "rebooted", keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        let table = "@reboot echo up >> /srv/boots\n* * * * * echo tick >> /srv/ticks\n"
        // Written as the user edits it: the container's boot installs /srv/conf/crontab.
        #expect(try client.ssh("cat > /srv/conf/crontab", input: Array(table.utf8)).status == 0)
        #expect(try server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "restart"}"#).status == 200)
        #expect(eventually(timeout: .seconds(10)) { Self.lines(client, "/srv/boots") == ["up"] })

        #expect(try server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "stop"}"#).status == 200)
        server.clock.advance(by: 60)
        #expect(try server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "start"}"#).status == 200)
        #expect(eventually(timeout: .seconds(10)) { Self.lines(client, "/srv/boots") == ["up", "up"] })
        #expect(Self.lines(client, "/srv/ticks").isEmpty, "the minute passed while the app was stopped")
        server.clock.advance(by: 60)
        #expect(eventually(timeout: .seconds(10)) { Self.lines(client, "/srv/ticks") == ["tick"] })
    }
}
