import Foundation
import Synchronization
import Testing
import TestSupport

@testable import RostiHosting

#if canImport(Glibc)
import Glibc
#endif

/// Apps that run: the container's supervisord with nginx on 8000 (the welcome page, then
/// the app behind it on its app_port), a network of its own published on a host loopback
/// port by pasta, start/stop/rebuild, what apps-status observes, and the crash fault — with
/// the real bubblewrap, supervisord, nginx and pasta.
@Suite(.serialized) struct AppProcessesTests {
    /// One plain GET to 127.0.0.1:`port`; status and body.
    static func get(_ port: Int, host: String = "app.test") -> (Int, String)? {
        guard let url = URL(string: "http://127.0.0.1:\(port)/") else { return nil }
        let result = try? SSHClient.run("/usr/bin/curl", ["-s", "-m", "5", "-H", "Host: \(host)", "-w", "\n%{http_code}", url.absoluteString])
        guard let result, result.0 == 0 else { return nil }
        let lines = result.1.split(separator: "\n", omittingEmptySubsequences: false)
        guard let code = lines.last.flatMap({ Int($0) }) else { return nil }
        return (code, lines.dropLast().joined(separator: "\n"))
    }

    @Test func aNewAppAnswersTheWelcomePageThroughItsNginxAndSupervisordRunsIt() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, _) = try fixture.app(11, name: "fresh")
        #expect(container.start())
        let port = try #require(container.frontPort)
        #expect(eventually(timeout: .seconds(20)) { Self.get(port)?.1.contains("<title>Roští.cz</title>") == true })
        #expect(eventually(timeout: .seconds(20)) { container.observe().programs.contains { $0.name == "nginx" && $0.state == "RUNNING" } })
        let observation = container.observe()
        #expect(observation.running)
        #expect(observation.residentBytes > 1_000_000)
        #expect(container.srvBytes > 0)
        #expect(HostFiles.exists(fixture.space.serviceFolder(of: 11)! + "/conf/supervisor.d/nginx.conf"))
        #expect(HostFiles.exists(fixture.space.serviceFolder(of: 11)! + "/log/nginx.log"))
    }

    @Test func twoAppsListenOn8080SideBySideAndStopEndsEveryProcess() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        var fronts: [Int] = []
        var containers: [AppContainer] = []
        for (id, word) in [(Int64(21), "first"), (22, "second")] {
            let (container, sshPort) = try fixture.app(id, name: word)
            let client = fixture.client(sshPort)
            let rosti = try client.ssh("/usr/local/bin/rosti python")
            try #require(rosti.status == 0, "\(rosti) \(container.status) \((try? String(contentsOfFile: container.folder.sshLog, encoding: .utf8)) ?? "")")
            let code = RostictlArchive.pythonServer(saying: "I am \(word)")
            #expect(try client.ssh("/bin/sh -c 'cat > /srv/app/app.py && supervisorctl restart app'", input: Array(code.utf8)).status == 0)
            fronts.append(try #require(container.frontPort))
            containers.append(container)
        }
        for (port, word) in zip(fronts, ["first", "second"]) {
            #expect(eventually(timeout: .seconds(20)) { Self.get(port)?.1 == "I am \(word)" }, "\(word) on \(port)")
        }
        let pid1 = try #require(containers[0].runningPID1)
        let namespace = try #require(HostFiles.linkTarget("/proc/\(pid1)/ns/pid"))
        containers[0].stop()
        #expect(containers[0].frontPort == nil)
        #expect(Self.get(fronts[0]) == nil)
        #expect(eventually(timeout: .seconds(10)) {
            AppContainer.allPIDs().allSatisfy { HostFiles.linkTarget("/proc/\($0)/ns/pid") != namespace }
        })
        #expect(containers[0].observe() == .stopped)
        #expect(Self.get(fronts[1])?.1 == "I am second")
        // Started again, from its /srv: the deployed app answers again.
        #expect(containers[0].start())
        let again = try #require(containers[0].frontPort)
        #expect(eventually(timeout: .seconds(20)) { Self.get(again)?.1 == "I am first" })
    }

    @Test func appPortIsWhereTheAppsNginxSendsRequests() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let keys = [try fixture.keys.publicKey("ed25519")]
        let container = try #require(try fixture.space.makeContainer(31, settings: .init(name: "ported", keys: keys, enabled: true, appPort: 9090)))
        let sshPort = try #require(container.open(preferring: nil))
        let client = fixture.client(sshPort)
        #expect(try client.ssh("/usr/local/bin/rosti python").status == 0)
        #expect(try client.ssh("grep -c 127.0.0.1:9090 /srv/conf/nginx.d/app.conf").output == "1\n")
        let port = try #require(container.frontPort)
        #expect(eventually(timeout: .seconds(20)) { Self.get(port)?.1.contains("Ahoj z Pythonu") == true })
    }

    @Test func fromInsideTheHostsServicePortsAreReachableAndNothingElse() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let open = try TestListener()
        let closed = try TestListener()
        let reachable = open.port
        fixture.host.provideServicePorts { [reachable] }
        let (_, sshPort) = try fixture.app(41, name: "reach")
        let client = fixture.client(sshPort)
        let probe = "python3 -c 'import socket,sys; s=socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 3); print(s.recv(10).decode())'"
        #expect(try client.ssh("\(probe) \(open.port)").output == "hello\n")
        #expect(try client.ssh("\(probe) \(closed.port)").status != 0)
    }

    /// A new state's first storage starts its engine after the app's container: the app
    /// reaches it without a restart, and its front moves with the new network.
    @Test func aServicePortThatAppearsLaterIsReachedWithoutARestart() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let first = try TestListener()
        let ports = Mutex<[Int]>([first.port])
        fixture.host.provideServicePorts { ports.withLock { $0 } }
        let (container, sshPort) = try fixture.app(42, name: "later")
        #expect(container.start())
        let client = fixture.client(sshPort)
        let probe = "python3 -c 'import socket,sys; s=socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), 3); print(s.recv(10).decode())'"
        let later = try TestListener()
        #expect(try client.ssh("\(probe) \(later.port)").status != 0, "not reachable before it is a service port")
        let frontBefore = try #require(container.frontPort)

        ports.withLock { $0.append(later.port) }
        fixture.host.servicePortsChanged()
        #expect(eventually(timeout: .seconds(10)) { (try? client.ssh("\(probe) \(later.port)").output) == "hello\n" })
        #expect(try client.ssh("\(probe) \(first.port)").output == "hello\n")
        let frontAfter = try #require(container.frontPort)
        #expect(frontAfter != frontBefore)
        #expect(eventually(timeout: .seconds(10)) { Self.get(frontAfter)?.1.contains("<title>Roští.cz</title>") == true })

        // Nothing new: the network stays as it is.
        fixture.host.servicePortsChanged()
        usleep(300_000)
        #expect(container.frontPort == frontAfter)
    }

    @Test func rebuildKeepsSrvAndHostKeysAndDropsTheRest() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, sshPort) = try fixture.app(51, name: "rebuilt")
        let client = fixture.client(sshPort)
        #expect(try client.ssh("echo kept > /srv/kept; echo gone > /tmp/gone").status == 0)
        let hostKey = try String(contentsOfFile: container.folder.sys + "/ssh_host_ed25519_key.pub", encoding: .utf8)
        try container.rebuild()
        #expect(container.frontPort != nil)
        #expect(try client.ssh("cat /srv/kept; ls /tmp").output == "kept\n")
        #expect(try String(contentsOfFile: container.folder.sys + "/ssh_host_ed25519_key.pub", encoding: .utf8) == hostKey)
    }

    @Test func aCrashedProgramIsRestartedAndABrokenFileIsReported() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, sshPort) = try fixture.app(61, name: "crashy")
        let client = fixture.client(sshPort)
        let config = RostictlArchive.supervisorConfig(name: "worker", command: "/bin/sh -c \"while sleep 1; do :; done\"")
        #expect(try client.ssh("/bin/sh -c 'mkdir -p /srv/app && cat > /srv/conf/supervisor.d/rostictl.conf && supervisorctl reread && supervisorctl update'",
                               input: Array(config.utf8)).status == 0)
        #expect(eventually(timeout: .seconds(20)) { container.observe().programs.contains { $0.name == "worker" && $0.state == "RUNNING" } })
        let before = try client.ssh("supervisorctl pid worker").output
        try container.crash(program: "worker")
        #expect(eventually(timeout: .seconds(20)) {
            let now = (try? client.ssh("supervisorctl pid worker").output) ?? before
            return now != before && now != "0\n"
        })
        #expect(throws: SandboxError.self) { try container.crash(program: "nosuch") }
        #expect(try client.ssh("printf '[program:broken\\n' > /srv/conf/supervisor.d/broken.conf").status == 0)
        let observed = container.observe()
        #expect(observed.supervisorProblem?.contains("CANT_REREAD") == true, "\(observed)")
        #expect(try client.ssh("printf '[program:dies]\\ncommand=/bin/false\\nstartretries=0\\n' > /srv/conf/supervisor.d/broken.conf && supervisorctl update").status == 0)
        #expect(eventually(timeout: .seconds(20)) { container.observe().programs.contains { $0.name == "dies" && $0.hasFailed } })
    }

    @Test func statusLinesAreParsed() {
        let text = """
            app                              RUNNING   pid 12, uptime 0:00:03
            crash                            FATAL     Exited too quickly (process log may have details)
            unix:///srv/run/supervisor.sock no such file
            """
        #expect(ContainerObservation.programs(inStatus: text) == [
            .init(name: "app", state: "RUNNING", detail: "pid 12, uptime 0:00:03"),
            .init(name: "crash", state: "FATAL", detail: "Exited too quickly (process log may have details)"),
        ])
    }
}

/// A host loopback listener that says "hello" to each connection, on a thread of its own.
final class TestListener: @unchecked Sendable {
    // @unchecked: `descriptor` and `port` are set once in init and never changed; the
    // accepting thread only reads them.
    let descriptor: Int32
    let port: Int

    init() throws {
        let made = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(made, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(made, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(made, $0, &length) } }
        descriptor = made
        port = Int(UInt16(bigEndian: address.sin_port))
        let listening = descriptor
        Thread.detachNewThread {
            while true {
                let connection = accept(listening, nil, nil)
                if connection < 0 { return }
                _ = "hello".withCString { send(connection, $0, 5, Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
    }

    deinit { shutdown(descriptor, Int32(SHUT_RDWR)); close(descriptor) }
}
