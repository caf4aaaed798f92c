import Foundation
import JSON
import Logging
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// An app in its container reaches its storages at the host and port the API reports, with
/// the engine's own client — also when the engine started after the app's container (a new
/// state's first storage, or the engines of a restarted Rostra coming up beside the apps it
/// starts).
@Suite(.serialized) struct AppsReachTheirStoragesTests {
    static let postgreSQLInstalled = {
        if case .available = EngineInstallation.find(.pgsql) { return true }
        return false
    }()

    @Test(.enabled(if: postgreSQLInstalled, "needs PostgreSQL: apt-get install -y postgresql"))
    func anAppReachesAStorageWhoseEngineStartedAfterItsContainer() throws {
        var logger = Logger(label: "apps-reach-storages")
        logger.logLevel = .warning
        let engines = StorageEngines(folders: EngineFolders(persistent: nil), logger: logger)
        defer { engines.close() }
        let hosting = StorageHosting(engines: engines, hostname: "127.0.0.1", logger: logger)
        var limits = HostingLimits.default.containers
        limits.sshPorts = 19_000...19_999
        let containers = try AppContainers(options: .init(listenHost: "127.0.0.1", sshHost: "127.0.0.1", limits: limits))
        let server = try RostiTestServer(state: nil, storages: hosting, containers: containers)
        defer { try? server.emulator.close() }
        try AppContainersTests.requireContainers(server)

        let keys = try SSHClient.Keys()
        let (_, port) = try AppContainersTests.createApp(server, name: "reader", keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        #expect(try client.ssh("echo 1").output == "1\n")

        // The engines start now, after the app's container: the seeded PostgreSQL storage.
        engines.activate()
        let storage = try server.json("GET", "/api/v1/1/storages/1895/")
        let name = try #require(storage["name"]?.text)
        let storagePort = try #require(storage["port"]?.int)
        let login = "PGPASSWORD=demo-pgsql-password psql -h 127.0.0.1 -p \(storagePort) -U \(name) -d \(name) -tAc 'SELECT 6 * 7'"
        #expect(eventually(timeout: .seconds(20)) { (try? client.ssh(login).output) == "42\n" }, "\((try? client.ssh(login).errors) ?? "")")
        // The password set through the API is the engine's: a wrong one is refused from inside too.
        #expect(try client.ssh("PGPASSWORD=wrong psql -h 127.0.0.1 -p \(storagePort) -U \(name) -d \(name) -tAc 'SELECT 1'").status != 0)
    }
}
