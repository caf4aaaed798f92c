import Foundation
import JSON
import Testing
import TestSupport

@testable import RostiAPI
@testable import RostiHosting

/// Snapshots of apps that run in real containers: the files written over SSH are archived;
/// a restore stops the container, puts the files back as the app's user's, and the app
/// comes up again; a new app from the snapshot has the same files.
@Suite(.serialized) struct JobWorkContainerTests {
    @Test func aSnapshotOfARunningAppIsRestoredThroughItsContainer() throws {
        let server = try AppContainersTests.server()
        try AppContainersTests.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try AppContainersTests.createApp(server, keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        #expect(try client.ssh("mkdir -p /srv/app && echo v1 > /srv/app/main.py && echo 1").output == "1\n")

        let job = try server.json("POST", "/api/v1/1/snapshots/", body: #"{"app": \#(id)}"#)
        #expect(job["status"] == "done", "\(job)")
        let snapshot = try #require(job["snapshot"]?.int)
        let archive = try #require(server.tenant.state.snapshotStore.archive(of: snapshot))
        #expect(try tarListing(archive).contains("./app/main.py"))

        #expect(try client.ssh("echo broken > /srv/app/main.py && touch /srv/junk && echo 1").output == "1\n")
        let container = try #require(server.tenant.state.appSpace.container(id))
        let before = try #require(container.sandboxProcess)
        let restore = try server.json("PUT", "/api/v1/1/snapshots-restore/\(snapshot)/", body: #"{"app": \#(id)}"#)
        #expect(restore["status"] == "done", "\(restore)")
        #expect(container.sandboxProcess != before, "the container was stopped for the restore")
        let answer = try client.ssh("cat /srv/app/main.py; test -e /srv/junk && echo junk; stat -c %U /srv/app/main.py")
        #expect(answer.output == "v1\napp\n", "the files are back, as the app user's: \(answer.output) \(answer.errors)")

        let copy = try server.json("PUT", "/api/v1/1/snapshots-restore/\(snapshot)/", body: #"{"name": "copy"}"#)
        #expect(copy["status"] == "done", "\(copy)")
        let newApp = try #require(copy["app"]?.int)
        let srv = try #require(server.tenant.state.appSpace.serviceFolder(of: newApp))
        #expect(try String(contentsOfFile: srv + "/app/main.py", encoding: .utf8) == "v1\n")
    }
}
