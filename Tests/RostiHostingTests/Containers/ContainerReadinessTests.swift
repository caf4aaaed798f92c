import Foundation
import Logging
import Processes
import Testing
import TestSupport

@testable import RostiHosting

@Suite struct ContainerReadinessTests {
    @Test func missingProgramsAreNamedWithTheirPackages() throws {
        let empty = try TemporaryDirectory()
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let readiness = ContainerReadiness.check(directories: [empty.url.path], watcher: watcher, limits: HostingLimits.default.containers)
        #expect(!readiness.isReady)
        #expect(readiness.tools.installCommand == "apt-get install -y bubblewrap openssh-server openssh-client supervisor util-linux tar bash passt nginx-light")
        let summaries = readiness.problems
        #expect(summaries.contains("bubblewrap (app containers, SSH deploys): missing — bwrap not found: apt-get install -y bubblewrap"))
        #expect(summaries.contains("supervisor (app containers, SSH deploys): missing — supervisord, supervisorctl not found: apt-get install -y supervisor"))
        #expect(summaries.contains("user namespaces (app containers, SSH deploys): missing — needs bubblewrap first: apt-get install -y bubblewrap"))
    }

    @Test func thisMachineHasEveryPartAndMayMakeUserNamespaces() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let readiness = ContainerReadiness.check(
            directories: ContainerTools.defaultSearchDirectories, watcher: watcher, limits: HostingLimits.default.containers)
        #expect(readiness.isReady, "\(readiness.problems)")
        #expect(readiness.owner == (getuid() == 0 ? .appUIDs(base: HostingLimits.default.containers.rootUIDBase) : .caller))
    }

    @Test func aRefusedProbeNamesBubblewrapsComplaint() throws {
        // A "bwrap" that refuses as a kernel without user namespaces would.
        let folder = try TemporaryDirectory()
        let fake = folder.path("bwrap")
        try "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n"
            .write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let (owner, part) = ContainerReadiness.probeUserNamespaces(bwrap: fake, watcher: watcher, limits: HostingLimits.default.containers)
        #expect(owner == nil)
        guard case .refused(let reason, let remedy) = part.availability else {
            Issue.record("expected a refusal, got \(part.availability)")
            return
        }
        #expect(reason.contains("No permissions to creating new namespace"))
        #expect(remedy.contains("docs/troubleshooting.md"))
    }
}

@Suite struct AppFolderTextTests {
    @Test func keysBecomeOneLineEach() {
        let text = AppFolder.authorizedKeysText([
            "ssh-ed25519 AAAA one@laptop\n", "  ssh-rsa BBBB two\r\nssh-ed25519 CCCC three  ", "# a comment", "",
        ])
        #expect(text == "ssh-ed25519 AAAA one@laptop\nssh-rsa BBBB two\nssh-ed25519 CCCC three\n")
    }

    @Test func thePrimaryTechIsReadFromRostisLink() {
        #expect(MachineTech.primaryTech(linkTarget: "/opt/techs/python-3.11.2/bin").map { "\($0.name) \($0.version)" } == "python 3.11.2")
        #expect(MachineTech.primaryTech(linkTarget: "/opt/techs/node-20.1.0-nightly/bin").map { "\($0.name) \($0.version)" } == "node 20.1.0-nightly")
        #expect(MachineTech.primaryTech(linkTarget: "/usr/bin") == nil)
        #expect(MachineTech.primaryTech(linkTarget: nil) == nil)
    }

    @Test func hostNamesAreRostisNameAndId() {
        #expect(AppContainer.hostname(name: "quickapp", id: 4509) == "quickapp_4509")
    }
}
