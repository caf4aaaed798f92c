import EmulatedAPIs
import Emulator
import EmulatorState
import Foundation
import JSON
import RostiHosting
import Testing
import TestSupport

@testable import RostiAPI

/// The Rosti API with real app containers: what `ssh_access` says is where the app's
/// container answers, with the app's keys, as `rostictl up` and a user with rsync expect.
@Suite(.serialized) struct AppContainersTests {
    /// A server whose apps have containers; `sshHost` is what `ssh_access` reports.
    /// `freezeAt`: the clock's moment (nil: real time); `adjust` changes other limits.
    static func server(
        state: StateStore? = nil, sshHost: String = "127.0.0.1", searchDirectories: [String] = ContainerTools.defaultSearchDirectories,
        sshPorts: ClosedRange<Int> = 19_000...19_999, freezeAt moment: Double? = nil,
        adjust: (inout HostingLimits.Containers) -> Void = { _ in }
    ) throws -> RostiTestServer {
        // New apps' ports from a range no default Rostra uses: in the full suite, RostraTests'
        // rostra processes make apps at the same time, and one of them took the port a
        // restart here had just freed.
        var limits = HostingLimits.default.containers
        limits.sshPorts = sshPorts
        adjust(&limits)
        let containers = try AppContainers(
            options: .init(listenHost: "127.0.0.1", sshHost: sshHost, searchDirectories: searchDirectories, limits: limits))
        return try RostiTestServer(state: state, freezeAt: moment, containers: containers)
    }

    /// Creates an app with `keys`; returns its id and SSH port.
    static func createApp(_ server: RostiTestServer, name: String = "deploy", keys: [String], tenant: String? = nil) throws -> (Int64, Int) {
        let body = String(decoding: JSONWriter.bytes(["name": .string(name), "ssh_keys": .array(keys.map(JSONValue.string))], .compact), as: UTF8.self)
        let response = try server.send("POST", "/api/v1/1/apps/", json: body, headers: tenant.map { [("X-Rostra-Tenant", $0)] } ?? [])
        #expect(response.status == 200, "\(response.text)")
        let app = try JSONParser.parse(response.body)
        let access = try #require(app["ssh_access"]?.items.first)
        return (try #require(app["id"]?.int), Int(try #require(access["port"]?.int)))
    }

    static func requireContainers(_ server: RostiTestServer) throws {
        let readiness = try #require(server.containers).host.readiness
        try #require(readiness.isReady, "\(readiness.problems)")
    }

    @Test func aNewAppAnswersEchoOneOnItsPortWithItsKey() throws {
        let server = try Self.server(sshHost: "ssh.rostra.test")
        try Self.requireContainers(server)
        let keys = try SSHClient.Keys()
        let started = ContinuousClock.now
        let (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
        let answer = try SSHClient(port: port, identity: keys.path("ed25519")).ssh("echo 1")
        let elapsed = ContinuousClock.now - started
        #expect(answer.status == 0 && answer.output == "1\n", "\(answer.errors)")
        #expect(try #require(server.containers).host.configuration.limits.sshPorts.contains(port))
        let app = try server.json("GET", "/api/v1/1/apps/\(id)/")
        #expect(app["ssh_access"]?.items.first?["hostname"]?.text == "ssh.rostra.test")
        #expect(app["ssh_access"]?.items.first?["username"]?.text == "app")
        print("create → first ssh echo 1: \(elapsed)")
    }

    @Test func keysFromPutApplyAtOnceAndDeleteEndsEverything() throws {
        let server = try Self.server()
        try Self.requireContainers(server)
        let first = try SSHClient.Keys()
        let second = try SSHClient.Keys()
        let (id, port) = try Self.createApp(server, keys: [try first.publicKey("ed25519")])
        #expect(try SSHClient(port: port, identity: first.path("ed25519")).ssh("echo 1").output == "1\n")
        let body = String(decoding: JSONWriter.bytes(["ssh_keys": [.string(try second.publicKey("ed25519"))]], .compact), as: UTF8.self)
        #expect(server.containers != nil)
        _ = try server.json("PATCH", "/api/v1/1/apps/\(id)/", body: body)
        #expect(try SSHClient(port: port, identity: second.path("ed25519")).ssh("echo 1").output == "1\n")
        #expect(try SSHClient(port: port, identity: first.path("ed25519")).ssh("echo 1").status == 255)

        #expect(try SSHClient(port: port, identity: second.path("ed25519")).ssh("echo data > /srv/file").status == 0)
        let folder = try #require(server.tenant.state.appSpace.serviceFolder(of: id))
        #expect(FileManager.default.fileExists(atPath: folder + "/file"))
        _ = try server.json("DELETE", "/api/v1/1/apps/\(id)/")
        #expect(isRefused(port), "the port closed")
        #expect(!FileManager.default.fileExists(atPath: folder), "the folder went")
        #expect(try server.get("/api/v1/1/apps/\(id)/").status == 404)
    }

    @Test func stoppingAnAppClosesItsSSHAndStartingOpensIt() throws {
        let server = try Self.server()
        try Self.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        #expect(try client.ssh("echo 1").output == "1\n")
        _ = try server.json("PUT", "/api/v1/1/apps-action/\(id)/", body: #"{"action": "stop"}"#)
        #expect(try client.ssh("echo 1").status == 255)
        _ = try server.json("PUT", "/api/v1/1/apps-action/\(id)/", body: #"{"action": "start"}"#)
        #expect(try client.ssh("echo 1").output == "1\n")
    }

    @Test func appsStatusReportsTheTechRostiChose() throws {
        let server = try Self.server()
        try Self.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
        let before = try server.json("GET", "/api/v1/1/apps-status/\(id)/")
        #expect(before["primary_tech"]?["name"]?.text == "python", "the image's tech until rosti chose one")
        let rosti = try SSHClient(port: port, identity: keys.path("ed25519")).ssh("/usr/local/bin/rosti python")
        #expect(rosti.status == 0, "\(rosti.errors)")
        let after = try server.json("GET", "/api/v1/1/apps-status/\(id)/")
        let python = try #require(server.containers?.host.machineTechs.first { $0.name == "python" })
        #expect(after["primary_tech"]?["version"]?.text == python.version)
        #expect(after["techs"]?.items.compactMap(\.text).contains(python.folderName) == true)
        #expect(after["info"]?.items.isEmpty == true)
    }

    @Test func missingPartsAreNamedInInfoAndHealthWhileTheAPIWorks() throws {
        let empty = try TemporaryDirectory()
        let server = try Self.server(searchDirectories: [empty.url.path])
        let (id, _) = try Self.createApp(server, keys: [])
        let status = try server.json("GET", "/api/v1/1/apps-status/\(id)/")
        let info = status["info"]?.items.compactMap(\.text) ?? []
        #expect(info.count == 1)
        #expect(info.first?.hasPrefix("SSH: app containers cannot run on this machine: bubblewrap (app containers, SSH deploys): missing — bwrap not found: apt-get install -y bubblewrap") == true, "\(info)")
        let health = try JSONParser.parse(try server.get("/__admin/health").body)
        #expect(health["status"]?.text == "ok")
        let supervisor = health["missing"]?.items.first { $0["part"]?.text == "supervisor" }
        #expect(supervisor?["needed_for"]?.text == "app containers, SSH deploys", "\(health)")
        #expect(supervisor?["install"]?.text == "supervisord, supervisorctl not found: apt-get install -y supervisor", "\(health)")
    }

    @Test func healthIsUnchangedWhereEverythingIsInstalled() throws {
        let server = try Self.server()
        try Self.requireContainers(server)
        #expect(try server.get("/__admin/health").text == #"{"status":"ok","version":"\#(RostraVersion.string)","api":"rosti"}"#)
    }

    @Test func theAdminAPIMakesSSHLateOrRefused() throws {
        // A range of its own: the refused port stays bound but does not listen for a while,
        // and another suite's server (a host that does not know this one's ports) could
        // otherwise take it for a new app meanwhile.
        let server = try Self.server(sshPorts: 18_800...18_899)
        try Self.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
        let refused = try server.send("POST", "/__admin/apps/\(id)/ssh", json: #"{"refuse_s": 30}"#)
        #expect(refused.status == 200, "\(refused.text)")
        let answer = try JSONParser.parse(refused.body)
        #expect(answer["port"]?.int == Int64(port))
        #expect(answer["listening"] == .bool(false))
        #expect(answer["refused_s"].flatMap { value -> Double? in if case .number(let number) = value { return number.double }; return nil }.map { $0 > 29 } == true)
        #expect(isRefused(port))
        let status = try server.json("GET", "/api/v1/1/apps-status/\(id)/")
        #expect(status["info"]?.items.compactMap(\.text).contains { $0.hasPrefix("SSH: connections are refused for") } == true)
        #expect(try server.send("POST", "/__admin/apps/\(id)/ssh", json: #"{"refuse_s": 0}"#).status == 200)
        #expect(!isRefused(port))
        #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("echo 1").output == "1\n")

        for (body, field) in [(#"{}"#, "body"), (#"{"late_s": 1, "refuse_s": 1}"#, "body"), (#"{"late_s": -1}"#, "late_s"),
                              (#"{"late_s": 99999}"#, "late_s"), (#"{"slow": 1}"#, "slow"), (#"{"refuse_s": "5"}"#, "refuse_s")] {
            let response = try server.send("POST", "/__admin/apps/\(id)/ssh", json: body)
            #expect(response.status == 400, "\(body)")
            #expect((try? JSONParser.parse(response.body))?["field"]?.text == field, "\(body): \(response.text)")
        }
        #expect(try server.send("POST", "/__admin/apps/999999/ssh", json: #"{"late_s": 1}"#).status == 404)
        #expect(try server.get("/__admin/apps/\(id)/ssh").status == 200)
        let plain = try RostiTestServer()
        #expect(try plain.send("POST", "/__admin/apps/1201/ssh", json: #"{"late_s": 1}"#).status == 409)
    }

    /// Whether nothing listens on 127.0.0.1:`port` now (another test's Rostra, serving the
    /// same seed at the same time, may hold a seeded app's port).
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    @Test func seededAppsListenOnTheirPortsAndATenantsOwnPortsDiffer() throws {
        // The seed's apps 1201–1204 have ports 21201–21204; an app whose port another program
        // holds goes without an endpoint until a start finds it free (never a rewritten row).
        let seeded: [Int64] = [1201, 1202, 1203, 1204]
        let free = seeded.filter { Self.isFree(Int(20_000 + $0)) }
        let server = try Self.server()
        try Self.requireContainers(server)
        let space = server.tenant.state.appSpace
        #expect(eventually(timeout: .seconds(10)) { free.allSatisfy { space.container($0)?.port != nil } }, "\(free)")
        let apps = try server.json("GET", "/api/v1/1/apps/").items
        let ports = apps.compactMap { $0["ssh_access"]?.items.first?["port"]?.int }
        #expect(ports.count == apps.count)
        for port in ports { #expect(!isRefused(Int(port)), "port \(port) listens") }
        let tenantApps = try JSONParser.parse(try server.send("GET", "/api/v1/1/apps/", headers: [("X-Rostra-Tenant", "other")]).body).items
        let tenantPorts = Set(tenantApps.compactMap { $0["ssh_access"]?.items.first?["port"]?.int })
        #expect(tenantPorts.count == ports.count && tenantPorts.isDisjoint(with: ports), "a tenant's apps have ports of their own")
        // Deleting the tenant ends its apps' endpoints.
        #expect(try server.send("DELETE", "/__admin/tenants/other").status == 200)
        for port in tenantPorts { #expect(isRefused(Int(port))) }
    }

    @Test func aResetEndsTheTenantsContainersAndFolders() throws {
        let server = try Self.server()
        try Self.requireContainers(server)
        let keys = try SSHClient.Keys()
        let (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
        #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("echo 1").output == "1\n")
        let folder = try #require(server.tenant.state.appSpace.serviceFolder(of: id))
        #expect(try server.send("POST", "/__admin/reset").status == 200)
        #expect(isRefused(port))
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    /// Export then import into another Rostra: the app's /srv comes along, and its port too
    /// when the port is free there.
    @Test func exportAndImportCarryEachAppsSrv() throws {
        let keys = try SSHClient.Keys()
        let document: Data
        let originalPort: Int
        do {
            let server = try Self.server()
            try Self.requireContainers(server)
            let (_, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
            originalPort = port
            #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("mkdir -p /srv/app && echo carried > /srv/app/file").status == 0)
            let exported = try server.get("/__admin/state")
            #expect(exported.status == 200)
            document = Data(exported.body)
        }
        let parsed = try JSONSerialization.jsonObject(with: document) as? [String: Any]
        let fileKeys = (parsed?["files"] as? [[String: Any]])?.filter { $0["plugin"] as? String == "rosti" }.compactMap { $0["key"] as? String } ?? []
        #expect(fileKeys.contains { $0.hasPrefix("apps/") }, "\(fileKeys)")

        let server = try Self.server()
        let imported = try server.send("PUT", "/__admin/state", json: String(decoding: document, as: UTF8.self))
        #expect(imported.status == 200, "\(imported.text)")
        let app = try #require(try server.json("GET", "/api/v1/1/apps/").items.last)
        let port = Int(try #require(app["ssh_access"]?.items.first?["port"]?.int))
        #expect(port == originalPort, "the port was free again, so the app kept it")
        #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("cat /srv/app/file").output == "carried\n")
    }

    /// A file state: the apps' folders live beside it, and a restart keeps files and ports.
    @Test func aRestartKeepsFilesAndPorts() throws {
        let scratch = try TemporaryDirectory()
        let database = scratch.path("state.sqlite")
        let keys = try SSHClient.Keys()
        let id: Int64
        let port: Int
        do {
            let state = try StateStore(location: .file(database), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
            let server = try Self.server(state: state)
            try Self.requireContainers(server)
            (id, port) = try Self.createApp(server, keys: [try keys.publicKey("ed25519")])
            #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("echo kept > /srv/kept").status == 0)
            #expect(FileManager.default.fileExists(atPath: database + "-apps/\(id)/srv/kept"))
        }
        #expect(isRefused(port), "nothing holds the port once stopped")
        let state = try StateStore(location: .file(database), seedDirectory: shippedSeedDirectory, schema: EmulatedAPIs.schema)
        let server = try Self.server(state: state)
        let app = try server.json("GET", "/api/v1/1/apps/\(id)/")
        #expect(app["ssh_access"]?.items.first?["port"]?.int == Int64(port))
        #expect(eventually(timeout: .seconds(10)) { !isRefused(port) })
        #expect(try SSHClient(port: port, identity: keys.path("ed25519")).ssh("cat /srv/kept").output == "kept\n")
    }
}
