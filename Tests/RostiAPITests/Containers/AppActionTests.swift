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
        let server = try AppContainersTests.server { $0.actionAnswerSeconds = 1 }
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

    /// Actions in quick succession on a stopped app (the first enables it, so its container
    /// starts while the action stops and starts it again): a boot ended part-way must leave
    /// no half-copied file that later boots keep, so the app's nginx comes up on 8000.
    @Test func actionsInQuickSuccessionLeaveTheAppServing() throws {
        let server = try AppContainersTests.server()
        try AppContainersTests.requireContainers(server)
        // 1202 is a stopped app of the seed; each round stops it first and removes the
        // files its boot places, so every boot places them again.
        let space = server.tenant.state.appSpace
        for _ in 0..<8 {
            #expect(try server.send("PUT", "/api/v1/1/apps-action/1202/", json: #"{"action": "stop"}"#).status == 200)
            if let srv = space.serviceFolder(of: 1202) {
                for file in ["conf/supervisor.d/nginx.conf", "conf/nginx.d/default.conf", ".bashrc"] { unlink(srv + "/" + file) }
            }
            for action in ["rebuild", "restart", "start"] {
                #expect(try server.send("PUT", "/api/v1/1/apps-action/1202/", json: #"{"action": "\#(action)"}"#).status == 200)
            }
            let srv = try #require(space.serviceFolder(of: 1202))
            for file in ["conf/supervisor.d/nginx.conf", "conf/nginx.d/default.conf", ".bashrc"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: srv + "/" + file)[.size] as? Int) ?? 0
                #expect(size > 0, "\(file) is empty")
            }
        }
        let port = try #require(space.container(1202)?.frontPort)
        #expect(eventually(timeout: .seconds(10)) {
            (try? SSHClient.run("/usr/bin/curl", ["-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"]).1) == "200"
        })
        #expect(!server.problems.messages.contains { $0.contains("did not answer on 8000") || $0.contains("did not listen") }, "\(server.problems.messages)")
    }
}
