import Foundation
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// `apps-action` start, restart and rebuild answer once the container is up, but never hold
/// the request past `actionAnswerSeconds`: a container that comes up slowly goes on
/// starting after the answer.
@Suite(.serialized) struct AppActionTests {
    @Test func aSlowStartIsAnsweredWithinTheBoundAndGoesOn() throws {
        var limits = HostingLimits.default.containers
        limits.sshPorts = 19_000...19_999
        limits.actionAnswerSeconds = 1
        let containers = try AppContainers(options: .init(listenHost: "127.0.0.1", sshHost: "127.0.0.1", limits: limits))
        let server = try RostiTestServer(state: nil, freezeAt: nil, containers: containers)
        try AppContainersTests.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try AppContainersTests.createApp(server, name: "slow", keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        // The container's boot runs the app's init.sh before supervisord, as Rosti's does.
        let slow = "#!/bin/sh\nsleep 4\n"
        #expect(try client.ssh("mkdir -p /srv/app && cat > /srv/app/init.sh", input: Array(slow.utf8)).status == 0)

        let began = ContinuousClock.now
        let answer = try server.send("PUT", "/api/v1/1/apps-action/\(id)/", json: #"{"action": "restart"}"#)
        let took = ContinuousClock.now - began
        #expect(answer.status == 200, "\(answer.text)")
        #expect(took < .seconds(3), "\(took)")
        #expect(server.problems.messages.contains { $0.contains("apps-action restart of app \(id): answered before its container was up") },
                "\(server.problems.messages)")
        // It goes on: once init.sh is done, supervisord and nginx come up.
        #expect(eventually(timeout: .seconds(20)) {
            (try? server.json("GET", "/api/v1/1/apps-status/\(id)/"))?["running"] == .bool(true)
        })
    }
}
