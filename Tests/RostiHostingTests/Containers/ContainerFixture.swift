import Foundation
import Logging
import Testing
import TestSupport

@testable import RostiHosting

/// A host with app containers in a temporary space, and client keys, for one test. Each
/// app gets an endpoint on a free port of 127.0.0.1; `stop()` ends everything.
final class ContainerFixture {
    let host: ContainerHost
    let space: AppSpace
    let keys: SSHClient.Keys

    /// - Parameter sshPorts: where the apps' ports are chosen. Each fixture is a host of its
    ///   own, and hosts do not know each other's ports: a test that leaves a port bound but
    ///   not listening for a while (the refusal fault) takes a range no other test uses, or
    ///   a parallel test's new app may take the port meanwhile.
    init(keyTypes: [String] = ["ed25519"], sshPorts: ClosedRange<Int>? = nil) throws {
        var limits = HostingLimits.default.containers
        if let sshPorts { limits.sshPorts = sshPorts }
        host = ContainerHost(
            configuration: .init(bindAddress: try BindAddress(host: "127.0.0.1"), sshHostName: "127.0.0.1", limits: limits),
            logger: Logger(label: "rostra.tests.containers"))
        space = AppSpace(location: .temporary)
        space.attach(host)
        keys = try SSHClient.Keys(keyTypes)
    }

    deinit { stop() }

    func stop() {
        space.remove()
        host.shutdown()
    }

    /// An app with the given keys (default: the fixture's ed25519 key), listening.
    func app(_ id: Int64, name: String = "app", keys given: [String]? = nil, enabled: Bool = true) throws -> (AppContainer, Int) {
        let keys = try given ?? [try self.keys.publicKey("ed25519")]
        let container = try #require(try space.makeContainer(id, settings: .init(name: name, keys: keys, enabled: enabled)))
        let port = try #require(container.open(preferring: nil))
        return (container, port)
    }

    func client(_ port: Int, key: String = "ed25519") -> SSHClient {
        SSHClient(port: port, identity: keys.path(key))
    }

    /// Whether the machine can run containers at all; tests that need them require it.
    var isReady: Bool { host.readiness.isReady }
}

