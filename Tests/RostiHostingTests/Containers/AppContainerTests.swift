import Foundation
import Logging
import Testing
import TestSupport

@testable import RostiHosting

/// A real app container: bubblewrap, OpenSSH's sshd entered per connection, supervisord,
/// reached with the real OpenSSH client on a free port.
@Suite(.serialized) struct AppContainerTests {
    static func host() throws -> ContainerHost {
        ContainerHost(
            configuration: .init(bindAddress: try BindAddress(host: "127.0.0.1"), sshHostName: "127.0.0.1"),
            logger: Logger(label: "test"))
    }

    @Test func aNewAppAnswersEchoOneAsAppInSrv() throws {
        let host = try Self.host()
        defer { host.shutdown() }
        try #require(host.readiness.isReady, "\(host.readiness.problems)")
        let keys = try SSHClient.Keys()
        let space = AppSpace(location: .temporary)
        defer { space.remove() }
        space.attach(host)
        let container = try #require(try space.makeContainer(7, settings: .init(name: "blog", keys: [try keys.publicKey("ed25519")], enabled: true)))
        let port = try #require(container.open(preferring: nil))
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        let answer = try client.ssh("echo 1; id -un; id -u; pwd; echo $HOME")
        #expect(answer.status == 0, "\(answer.errors)")
        #expect(answer.output == "1\napp\n1000\n/srv\n/srv\n")
        let exit = try client.ssh("exit 3")
        #expect(exit.status == 3)
    }
}
