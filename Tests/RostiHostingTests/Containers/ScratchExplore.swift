import Foundation
import Logging
import Testing
import TestSupport

@testable import RostiHosting

@Suite struct ScratchExplore {
    @Test func explore() throws {
        let host = try AppContainerTests.host()
        defer { host.shutdown() }
        let keys = try SSHClient.Keys(["ed25519", "rsa"])
        let space = AppSpace(location: .temporary)
        defer { space.remove() }
        space.attach(host)
        let container = try #require(try space.makeContainer(7, settings: .init(name: "blog", keys: [try keys.publicKey("ed25519"), try keys.publicKey("rsa")], enabled: true)))
        let port = try #require(container.open(preferring: nil))
        let client = SSHClient(port: port, identity: keys.path("ed25519"))
        for command in ["ls -la /proc/self/fd; ls -la /srv /srv/..; echo PATH=$PATH", "ps -ef", "ls -la /proc/1/fd /proc/2/fd 2>&1 | head -30", "cat /proc/self/mountinfo | head -50", "supervisorctl status; echo rc=$?; ls -la /run/rostra /opt/techs/*/bin; cat /etc/passwd", "ls /root /work /home 2>&1; cat /etc/shadow 2>&1; touch /usr/x 2>&1; ip addr 2>&1 || cat /proc/net/dev", "rosti python; echo rc=$?; ls -la /srv/app /srv/bin; readlink /srv/bin/primary_tech; sleep 1.5; supervisorctl status; curl -s localhost:8080 || python3 -c 'import urllib.request;print(urllib.request.urlopen(\"http://localhost:8080\").read())'"] {
            let answer = try client.ssh(command)
            print("=== \(command)\n\(answer.output)\n--- err: \(answer.errors) rc \(answer.status)")
        }
        let rsa = SSHClient(port: port, identity: keys.path("rsa"))
        let a = try rsa.ssh("echo rsa-sha1", extra: ["-o", "PubkeyAcceptedAlgorithms=ssh-rsa", "-o", "HostKeyAlgorithms=ssh-ed25519,ecdsa-sha2-nistp256", "-o", "KexAlgorithms=curve25519-sha256@libssh.org", "-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256"])
        print("=== rsa \(a)")
        let t = try client.ssh("tty; echo TERM=$TERM", extra: ["-tt"])
        print("=== tty \(t)")
        print(try String(contentsOfFile: container.folder.containerLog, encoding: .utf8))
        print((try? String(contentsOfFile: container.folder.sshLog, encoding: .utf8)) ?? "no ssh log")
    }
}
