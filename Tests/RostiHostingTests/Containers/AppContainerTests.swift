import Foundation
import Synchronization
import Testing
import TestSupport

@testable import RostiHosting

/// Real app containers: bubblewrap, OpenSSH's sshd entered per connection, supervisord,
/// reached with the real OpenSSH client tools on free ports, as a user deploys.
@Suite(.serialized) struct AppContainerTests {
    @Test func sessionsRunAsAppInSrvWithExitStatusAndStandardStreams() throws {
        let fixture = try ContainerFixture(keyTypes: ["ed25519", "ecdsa", "rsa"])
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let keys = try ["ed25519", "ecdsa", "rsa"].map { try fixture.keys.publicKey($0) }
        let (_, port) = try fixture.app(1, name: "blog", keys: keys)
        let client = fixture.client(port)

        let identity = try client.ssh("echo 1; id -un; id -u; pwd; echo $HOME; hostname")
        #expect(identity.status == 0, "\(identity.errors)")
        #expect(identity.output == "1\napp\n1000\n/srv\n/srv\nblog_1\n")
        #expect(try client.ssh("exit 3").status == 3)
        let streams = try client.ssh("cat; echo err >&2", input: Array("hello\nworld\n".utf8))
        #expect(streams.output == "hello\nworld\n")
        #expect(streams.errors == "err\n")
        #expect(try client.ssh("echo $PATH").output.hasPrefix("/srv/bin/primary_tech:/srv/bin"))
        let terminal = try client.ssh("tty; echo TERM=$TERM", extra: ["-tt"])
        #expect(terminal.output.contains("/dev/pts/"), "\(terminal)")
        #expect(terminal.output.contains("There is no /srv/app yet"), "Rosti's .bashrc speaks to terminals")

        for type in ["ecdsa", "rsa"] {
            #expect(try fixture.client(port, key: type).ssh("echo 1").output == "1\n", "\(type) key")
        }
        // rostictl's Go client: an RSA key signing ssh-rsa (SHA-1), its KEX, cipher and MAC.
        let goClient = try fixture.client(port, key: "rsa").ssh("echo 1", extra: [
            "-o", "PubkeyAcceptedAlgorithms=ssh-rsa", "-o", "HostKeyAlgorithms=ssh-ed25519,ecdsa-sha2-nistp256",
            "-o", "KexAlgorithms=curve25519-sha256@libssh.org", "-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256",
        ])
        #expect(goClient.output == "1\n", "\(goClient.errors)")

        var root = client
        root.user = "root"
        #expect(try root.ssh("echo 1").status == 255, "root is refused")
        let stranger = try SSHClient.Keys()
        let refused = try SSHClient(port: port, identity: stranger.path("ed25519")).ssh("echo 1")
        #expect(refused.status == 255)
        #expect(refused.errors.contains("Permission denied (publickey)"))
        // No password login is offered at all.
        let password = try client.ssh("echo 1", extra: ["-o", "PreferredAuthentications=password,keyboard-interactive"])
        #expect(password.status == 255)
    }

    @Test func filesGoBothWaysWithScpSftpRsyncAndTar() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (_, port) = try fixture.app(2)
        let client = fixture.client(port)
        let work = try TemporaryDirectory()
        let blob = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        try Data(blob).write(to: work.url.appendingPathComponent("blob"))
        let options = SSHClient.options + ["-i", fixture.keys.path("ed25519")]
        let scpOptions = options + ["-P", String(port)]
        func run(_ program: String, _ arguments: [String]) throws -> Int32 {
            let (status, _, errors) = try SSHClient.run(program, arguments)
            #expect(status == 0, "\(program) \(arguments.suffix(2)): \(errors)")
            return status
        }
        _ = try run("/usr/bin/scp", ["-q"] + scpOptions + [work.path("blob"), "app@127.0.0.1:/srv/var/blob1"])
        _ = try run("/usr/bin/scp", ["-q", "-O"] + scpOptions + [work.path("blob"), "app@127.0.0.1:blob2"])
        _ = try run("/usr/bin/scp", ["-q"] + scpOptions + ["app@127.0.0.1:/srv/var/blob1", work.path("back1")])
        _ = try run("/usr/bin/scp", ["-q", "-O"] + scpOptions + ["app@127.0.0.1:blob2", work.path("back2")])
        #expect(try Data(contentsOf: work.url.appendingPathComponent("back1")) == Data(blob))
        #expect(try Data(contentsOf: work.url.appendingPathComponent("back2")) == Data(blob))

        let batch = "mkdir sdir\nput \(work.path("blob")) sdir/f\nget sdir/f \(work.path("back3"))\nrm sdir/f\nrmdir sdir\npwd\n"
        try batch.write(toFile: work.path("batch"), atomically: true, encoding: .utf8)
        let sftp = try SSHClient.run("/usr/bin/sftp", ["-q"] + scpOptions + ["-b", work.path("batch"), "app@127.0.0.1"])
        #expect(sftp.0 == 0, "\(sftp.2)")
        #expect(sftp.1.contains("Remote working directory: /srv"))
        #expect(try Data(contentsOf: work.url.appendingPathComponent("back3")) == Data(blob))

        let tree = work.path("tree")
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
        try "a\n".write(toFile: tree + "/a", atomically: true, encoding: .utf8)
        try "b\n".write(toFile: tree + "/sub/.b", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: tree + "/l", withDestinationPath: "a")
        let shell = (["ssh"] + options + ["-p", String(port)]).joined(separator: " ")
        _ = try run("/usr/bin/rsync", ["-a", "-e", shell, tree + "/", "app@127.0.0.1:/srv/var/tree/"])
        _ = try run("/usr/bin/rsync", ["-a", "-e", shell, "app@127.0.0.1:var/tree/", work.path("tree2") + "/"])
        #expect(try SSHClient.run("/usr/bin/diff", ["-r", tree, work.path("tree2")]).0 == 0)

        let up = try SSHClient.run("/bin/sh", ["-c", "tar cf - -C '\(tree)' . | \(shell) app@127.0.0.1 'mkdir -p var/t3 && tar xf - -C var/t3'"])
        #expect(up.0 == 0, "\(up.2)")
        try FileManager.default.createDirectory(atPath: work.path("t4"), withIntermediateDirectories: true)
        let down = try SSHClient.run("/bin/sh", ["-c", "\(shell) app@127.0.0.1 'tar cf - -C /srv/var/t3 .' | tar xf - -C '\(work.path("t4"))'"])
        #expect(down.0 == 0, "\(down.2)")
        #expect(try SSHClient.run("/usr/bin/diff", ["-r", tree, work.path("t4")]).0 == 0)
        #expect(try client.ssh("readlink /srv/var/t3/l").output == "a\n")
    }

    /// rostictl up's steps in its order, each on a new connection, with a tar made the way
    /// rostictl makes it (a `.` entry, top-level dot names without their dot).
    @Test func rostictlsWholeSequencePasses() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(3, name: "shop")
        let client = fixture.client(port)
        let work = try TemporaryDirectory()
        let archive = try RostictlArchive.make(in: work, files: [
            ("env", "SECRET=1\n"), ("app.py", RostictlArchive.pythonServer(saying: "Hello from deploy")),
            ("git/HEAD", "ref: main\n"), ("sub/.hidden", "x\n"),
        ])

        #expect(try client.ssh("echo 1").output == "1\n")
        let clean = try client.ssh("/bin/sh -c 'rm -rf /srv/app/* && rm -rf /srv/conf/supervisor.d/app.conf && supervisorctl reread && supervisorctl update'")
        #expect(clean.status == 0, "step 2: \(clean.output) \(clean.errors)")
        let rosti = try client.ssh("/usr/local/bin/rosti python")
        #expect(rosti.status == 0, "step 3: \(rosti.errors)")
        #expect(try client.ssh("/bin/sh -c 'tee \"/srv/_archive.tar\" > /dev/null'", input: archive).status == 0)
        let unpack = try client.ssh(#"/bin/sh -c "mkdir -p /srv/app && mv _archive.tar /srv/app/ && cd /srv/app && tar xf _archive.tar && rm _archive.tar""#)
        #expect(unpack.status == 0, "step 7: \(unpack.errors)")
        #expect(try client.ssh("cat /srv/app/env /srv/app/git/HEAD /srv/app/sub/.hidden; ls /srv/app/_archive.tar 2>&1").output
            == "SECRET=1\nref: main\nx\nls: cannot access '/srv/app/_archive.tar': No such file or directory\n")

        try "*/5 * * * * date >> /srv/log/cron-test.log\n".write(toFile: work.path("crontab"), atomically: true, encoding: .utf8)
        try RostictlArchive.supervisorConfig(name: "hello", command: "/bin/sh -c \"while sleep 1; do :; done\"")
            .write(toFile: work.path("rostictl.conf"), atomically: true, encoding: .utf8)
        let sftpOptions = SSHClient.options + ["-i", fixture.keys.path("ed25519"), "-P", String(port)]
        for (file, target) in [("crontab", "/srv/conf/crontab"), ("rostictl.conf", "/srv/conf/supervisor.d/rostictl.conf")] {
            try "put \(work.path(file)) \(target)\n".write(toFile: work.path("put"), atomically: true, encoding: .utf8)
            let put = try SSHClient.run("/usr/bin/sftp", ["-q"] + sftpOptions + ["-b", work.path("put"), "app@127.0.0.1"])
            #expect(put.0 == 0, "SFTP write \(target): \(put.2)")
        }
        #expect(try client.ssh("crontab /srv/conf/crontab").status == 0)
        #expect(try client.ssh("crontab -l").output == "*/5 * * * * date >> /srv/log/cron-test.log\n")
        let badTable = try client.ssh("printf '61 * * * * x\\n' > /tmp/bad; crontab /tmp/bad")
        #expect(badTable.status == 1)
        #expect(badTable.errors.contains("bad minute") && badTable.errors.contains("errors in crontab file, can't install."))
        let reread = try client.ssh("supervisorctl reread")
        #expect(reread.status == 0 && reread.output.contains("hello: available"), "\(reread)")
        let update = try client.ssh("supervisorctl update")
        #expect(update.status == 0 && update.output.contains("hello: added process group"), "\(update)")
        #expect(eventually(timeout: .seconds(20)) { (try? client.ssh("supervisorctl status hello").output.contains("RUNNING")) == true })
        // The sessions are in the container: they see its processes, and its network.
        #expect(try client.ssh("ps -eo args").output.contains("while sleep 1"))
        #expect(eventually(timeout: .seconds(20)) {
            (try? client.ssh("python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8080\").read().decode())'").output
                .contains("Ahoj z Pythonu")) == true
        })
        // rostictl's after_command: the deployed code runs once the program restarts.
        #expect(try client.ssh("/bin/sh -c 'supervisorctl restart app'").status == 0)
        #expect(eventually(timeout: .seconds(20)) {
            (try? client.ssh("python3 -c 'import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8080\").read().decode())'").output)
                == "Hello from deploy\n"
        })
        // supervisorctl's own exit codes (supervisor 4): a missing program is 1.
        #expect(try client.ssh("supervisorctl stop nosuch").status == 1)
        #expect(container.status.running)
        #expect(fixture.space.primaryTech(of: 3)?.name == "python")
    }

    @Test func appsSeeNothingOfTheHostOrOfEachOther() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let otherKeys = try SSHClient.Keys()
        let mine = try fixture.keys.publicKey("ed25519")
        let (_, first) = try fixture.app(10, keys: [mine])
        let (_, second) = try fixture.app(11, keys: [try otherKeys.publicKey("ed25519"), mine])
        let client = fixture.client(first)
        #expect(try client.ssh("echo secret > /srv/app-ten.txt").status == 0)
        // The second app's own key does not open the first; the shared key opens each app
        // through its own port only.
        #expect(try SSHClient(port: first, identity: otherKeys.path("ed25519")).ssh("true").status == 255)
        #expect(try fixture.client(second).ssh("ls /srv/app-ten.txt").status != 0)
        let root = try #require(fixture.space.existingRoot)
        #expect(try client.ssh("ls -a /srv/..").output.split(separator: "\n").sorted()
            == [".", "..", "bin", "dev", "etc", "home", "lib", "lib64", "opt", "proc", "run", "sbin", "srv", "tmp", "usr", "var"])
        for path in [root, root + "/11", "/root", "/work", "/etc/shadow", "/etc/ssh/ssh_host_ed25519_key"] {
            let look = try client.ssh("ls -d '\(path)'")
            #expect(look.status != 0 && look.errors.contains("No such file or directory"), "\(path) is not there")
        }
        #expect(try client.ssh("ls /home | wc -l").output == "0\n")
        #expect(try client.ssh("touch /usr/x /etc/passwd 2>&1").output.contains("Read-only file system"))
        // Nothing of the host is held open in a session or by the container's processes but
        // the app's own logs, where the container's and sshd's complaints go.
        let descriptors = try client.ssh("for p in /proc/[0-9]*; do ls -l $p/fd 2>/dev/null; done | grep -e ' -> /tmp/' -e ' -> /work' -e ' -> /root' | grep -v -e '/container.log$' -e '/ssh.log$'")
        #expect(descriptors.output.isEmpty, "\(descriptors.output)")
    }

    @Test func newKeysApplyAtTheNextConnection() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let newKeys = try SSHClient.Keys()
        let (container, port) = try fixture.app(20)
        #expect(try fixture.client(port).ssh("echo 1").output == "1\n")
        container.update(.init(name: "app", keys: [try newKeys.publicKey("ed25519") + "\n"], enabled: true))
        #expect(try SSHClient(port: port, identity: newKeys.path("ed25519")).ssh("echo 1").output == "1\n")
        #expect(try fixture.client(port).ssh("echo 1").status == 255, "the old key is refused")
        // The app's own ~/.ssh/authorized_keys counts too, as on Rosti.
        let mine = try fixture.keys.publicKey("ed25519")
        let own = try SSHClient(port: port, identity: newKeys.path("ed25519"))
            .ssh("mkdir -p -m 700 ~/.ssh && cat > ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys", input: Array(mine.utf8))
        #expect(own.status == 0)
        #expect(try fixture.client(port).ssh("echo 1").output == "1\n")
    }

    @Test func removingAnAppEndsSessionsProcessesAndThePort() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(30)
        let client = fixture.client(port)
        #expect(try client.ssh("echo 1").output == "1\n")
        let session = Process()
        session.executableURL = URL(fileURLWithPath: "/usr/bin/ssh")
        session.arguments = SSHClient.options + ["-i", fixture.keys.path("ed25519"), "-p", String(port), "app@127.0.0.1", "sleep 300"]
        session.standardOutput = FileHandle.nullDevice
        session.standardError = FileHandle.nullDevice
        try session.run()
        #expect(eventually(timeout: .seconds(20)) { container.status.sessions == 1 })
        let bubblewrap = try #require(container.sandboxProcess)
        try fixture.space.removeApp(30)
        #expect(eventually(timeout: .seconds(10)) { !session.isRunning }, "the open session ended")
        #expect(session.terminationStatus == 255)
        #expect(isRefused(port))
        #expect(eventually(timeout: .seconds(5)) { kill(bubblewrap, 0) != 0 }, "the container's processes are gone")
        #expect(!FileManager.default.fileExists(atPath: (fixture.space.existingRoot ?? "") + "/30"))
        #expect(fixture.space.container(30) == nil)
    }

    @Test func aDisabledAppClosesConnectionsAndStartsAgainWhenEnabled() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(40)
        let client = fixture.client(port)
        #expect(try client.ssh("echo 1").output == "1\n")
        container.update(.init(name: "app", keys: container.settings.keys, enabled: false))
        #expect(!container.status.running)
        let closed = try client.ssh("echo 1")
        #expect(closed.status == 255 && closed.output.isEmpty)
        container.update(.init(name: "app", keys: container.settings.keys, enabled: true))
        #expect(try client.ssh("echo 1").output == "1\n")
    }

    /// As on Rosti, SSH answers while the container's boot has not started supervisord yet
    /// (here the app's own init.sh takes 5 s), and `supervisorctl` waits for it.
    @Test func sshAnswersBeforeSupervisordAndSupervisorctlWaitsForIt() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(45)
        let client = fixture.client(port)
        #expect(try client.ssh("mkdir -p /srv/app && printf 'sleep 5\\n' > /srv/app/init.sh").status == 0)
        container.stop()
        let started = ContinuousClock.now
        #expect(try client.ssh("echo 1").output == "1\n")
        #expect(ContinuousClock.now - started < .milliseconds(4_000), "echo 1 did not wait for the boot")
        let reread = try client.ssh("supervisorctl reread")
        #expect(reread.status == 0, "\(reread)")
        #expect(ContinuousClock.now - started >= .milliseconds(5_000), "supervisorctl waited for supervisord")
    }

    /// A child being spawned holds a copy of every descriptor until it execs, the app's
    /// listening socket among them: the refusal fault must not return while that copy
    /// still listens. Many refusals while processes are spawned without pause.
    @Test func aRefusalRefusesAtOnceWhileChildrenAreSpawned() throws {
        let fixture = try ContainerFixture(sshPorts: 18_700...18_799)
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(51)
        #expect(!isRefused(port))
        let spawning = Atomic<Bool>(true)
        let spawner = Thread {
            while spawning.load(ordering: .relaxed) {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/bin/true")
                try? child.run()
                child.waitUntilExit()
            }
        }
        spawner.start()
        defer { spawning.store(false, ordering: .relaxed) }
        var leaked = 0
        for _ in 0..<100 {
            container.refuse(for: 60)
            if !isRefused(port) { leaked += 1 }
            container.refuse(for: 0)
            #expect(eventually(timeout: .seconds(5)) { !isRefused(port) })
        }
        #expect(leaked == 0, "\(leaked) of 100 refusals still took a connection")
    }

    @Test func lateAndRefusedFaultsLastTheirSeconds() throws {
        // A range of its own (see `ContainerFixture.init`): the refused port stays bound but
        // does not listen for five seconds.
        let fixture = try ContainerFixture(sshPorts: 18_900...18_999)
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (container, port) = try fixture.app(50)
        let client = fixture.client(port)
        #expect(try client.ssh("echo 1").output == "1\n")

        // Long enough that a loaded machine checks it before it ends.
        container.refuse(for: 5)
        #expect(isRefused(port))
        #expect(try client.ssh("echo 1").status == 255)
        #expect(eventually(timeout: .seconds(15)) { !isRefused(port) })
        #expect(try client.ssh("echo 1").output == "1\n")

        container.makeLate(for: 2)
        let started = ContinuousClock.now
        #expect(try client.ssh("echo 1").output == "1\n")
        #expect(ContinuousClock.now - started >= .milliseconds(1_800), "held until the fault ended")
        #expect(container.status.lateSeconds == nil)
    }

    @Test func anArchiveCarriesSrvAndHostKeysIntoAnotherSpace() throws {
        let fixture = try ContainerFixture()
        try #require(fixture.isReady, "\(fixture.host.readiness.problems)")
        let (_, port) = try fixture.app(60)
        #expect(try fixture.client(port).ssh("mkdir -p /srv/app && echo kept > /srv/app/file && ln -s file /srv/app/link").status == 0)
        let archive = try #require(try fixture.space.archive(60))
        let keyBefore = try String(contentsOfFile: fixture.space.existingRoot! + "/60/sys/ssh_host_ed25519_key.pub", encoding: .utf8)

        let other = AppSpace(location: .temporary)
        defer { other.remove() }
        try other.stage(60, archive: archive)
        try other.replaceFolders(keeping: [60])
        other.attach(fixture.host)
        let restored = try #require(try other.makeContainer(60, settings: .init(name: "app", keys: [try fixture.keys.publicKey("ed25519")], enabled: true)))
        let port2 = try #require(restored.open(preferring: nil))
        #expect(try fixture.client(port2).ssh("cat /srv/app/file; readlink /srv/app/link").output == "kept\nfile\n")
        #expect(try String(contentsOfFile: other.existingRoot! + "/60/sys/ssh_host_ed25519_key.pub", encoding: .utf8) == keyBefore)
        // An archive with more than srv/ and host keys is refused.
        let work = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.path("etc"), withIntermediateDirectories: true)
        try "x".write(toFile: work.path("etc/passwd"), atomically: true, encoding: .utf8)
        let bad = try SSHClient.run("/bin/tar", ["-c", "-f", work.path("bad.tar"), "-C", work.url.path, "etc"])
        #expect(bad.0 == 0)
        #expect(throws: HostFileError.self) { try other.stage(61, archive: Array(try Data(contentsOf: work.url.appendingPathComponent("bad.tar")))) }
    }
}

