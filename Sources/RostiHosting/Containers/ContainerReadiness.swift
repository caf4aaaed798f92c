import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// As whom app sandboxes run on the host.
enum SandboxOwner: Sendable, Equatable {
    /// As Rostra's own user (not root): `app` inside is that user outside.
    case caller
    /// Rostra is root and each app's sandbox runs as a uid of its own
    /// (`HostingLimits.Containers.rootUIDBase` + its SSH port), so apps cannot touch each
    /// other's files on the host and none of them owns root's.
    case appUIDs(base: UInt32)
    /// Rostra is root and unprivileged user namespaces are refused here: sandboxes run as
    /// root, which bubblewrap always may.
    case root
}

/// Whether this machine can run app containers, part by part: the programs
/// (`ContainerTools`), and whether bubblewrap may make a user namespace — tried for real,
/// with the identity sandboxes will run as, since a sysctl, an AppArmor rule or a
/// container's seccomp filter can each refuse it.
public struct ContainerReadiness: Sendable {
    public let tools: ContainerTools
    public let parts: [RealPart]
    /// nil when containers cannot run here.
    let owner: SandboxOwner?

    public var isReady: Bool { owner != nil && parts.allSatisfy(\.isAvailable) }

    /// What is missing, one line each (empty when ready).
    public var problems: [String] { parts.filter { !$0.isAvailable }.map(\.summary) }

    static let neededFor = "app containers, SSH deploys"

    /// Looks at the machine: finds the programs in `directories`, then (when bubblewrap is
    /// there) runs it once to see whether it may make the sandbox's namespaces. Takes a few
    /// milliseconds to tens of them; callers keep the answer.
    static func check(directories: [String], watcher: ProcessWatcher, limits: HostingLimits.Containers) -> ContainerReadiness {
        let tools = ContainerTools.find(in: directories)
        var parts: [RealPart] = []
        var byPart: [String: [ContainerTools.Program]] = [:]
        var order: [String] = []
        for program in ContainerTools.needed {
            if byPart[program.part] == nil { order.append(program.part) }
            byPart[program.part, default: []].append(program)
        }
        for part in order {
            let programs = byPart[part]!
            let missing = programs.filter { tools[$0] == nil }
            if missing.isEmpty {
                parts.append(RealPart(name: part, neededFor: neededFor, availability: .available(detail: programs.compactMap { tools[$0] }.joined(separator: ", "))))
            } else {
                let packages = Array(Set(missing.map(\.package))).sorted()
                let names = missing.map(\.command).joined(separator: ", ")
                parts.append(RealPart(
                    name: part, neededFor: neededFor,
                    availability: .missing(install: "\(names) not found: apt-get install -y \(packages.joined(separator: " "))")))
            }
        }
        guard let bwrap = tools[ContainerTools.bwrap] else {
            parts.append(RealPart(
                name: "user namespaces", neededFor: neededFor, availability: .missing(install: "needs bubblewrap first: apt-get install -y bubblewrap")))
            return ContainerReadiness(tools: tools, parts: parts, owner: nil)
        }
        let (owner, part) = probeUserNamespaces(bwrap: bwrap, watcher: watcher, limits: limits)
        parts.append(part)
        return ContainerReadiness(tools: tools, parts: parts, owner: owner)
    }

    /// Runs bubblewrap with the namespaces of a sandbox around `/bin/true`, as the identity
    /// sandboxes will have: as root first as an unprivileged uid (the per-app uids), falling
    /// back to root itself.
    static func probeUserNamespaces(
        bwrap: String, watcher: ProcessWatcher, limits: HostingLimits.Containers
    ) -> (SandboxOwner?, RealPart) {
        let name = "user namespaces"
        if getuid() != 0 {
            switch runProbe(bwrap: bwrap, identity: nil, watcher: watcher) {
            case nil:
                return (.caller, RealPart(name: name, neededFor: neededFor, availability: .available(detail: "bubblewrap makes them as uid \(getuid())")))
            case let refusal?:
                return (nil, RealPart(name: name, neededFor: neededFor, availability: .refused(reason: "bubblewrap may not make one (\(refusal))", remedy: remedy())))
            }
        }
        let probeUID = limits.rootUIDBase
        guard let refusal = runProbe(bwrap: bwrap, identity: (probeUID, probeUID), watcher: watcher) else {
            return (.appUIDs(base: limits.rootUIDBase),
                    RealPart(name: name, neededFor: neededFor, availability: .available(detail: "each app's sandbox runs as a uid of its own (\(limits.rootUIDBase) + its SSH port)")))
        }
        if runProbe(bwrap: bwrap, identity: nil, watcher: watcher) == nil {
            return (.root, RealPart(
                name: name, neededFor: neededFor,
                availability: .available(detail: "sandboxes run as root: unprivileged ones are refused here (\(refusal)); \(remedy())")))
        }
        return (nil, RealPart(name: name, neededFor: neededFor, availability: .refused(reason: "bubblewrap may not make one, even as root (\(refusal))", remedy: remedy())))
    }

    /// nil when bubblewrap made the namespaces and ran `/bin/true`; else its first line of
    /// complaint.
    private static func runProbe(bwrap: String, identity: (uid_t, gid_t)?, watcher: ProcessWatcher) -> String? {
        guard let pipeEnds = makePipe() else { return "pipe: \(String(cString: strerror(errno)))" }
        let ends = [pipeEnds.read, pipeEnds.write]
        var command = Command(bwrap, [
            "--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-net", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "/bin/true",
        ], environment: ["PATH": "/usr/bin:/bin"], directory: "/")
        command.descriptors = [-1, -1, ends[1]]
        command.identity = identity.map { (uid: $0.0, gid: $0.1) }
        let child: ChildProcess
        do {
            child = try watcher.spawn(command)
        } catch {
            close(ends[0])
            close(ends[1])
            return "\(error)"
        }
        close(ends[1])
        let deadline = ContinuousClock.now + .seconds(20)
        let text = readAll(ends[0], limit: 4096, until: deadline)
        close(ends[0])
        let ended = child.wait(timeout: max(.zero, ContinuousClock.now.duration(to: deadline))) ?? {
            child.signal(SIGKILL)
            return child.wait()!
        }()
        if ended.isSuccess { return nil }
        let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first.map(String.init)
        return line ?? "bwrap \(ended)"
    }

    /// What turns unprivileged user namespaces on, judged from the kernel's switches.
    static func remedy() -> String {
        if sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1" {
            return "AppArmor restricts them (Ubuntu 24.04): sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap that allows userns (docs/troubleshooting.md)"
        }
        if sysctl("kernel/unprivileged_userns_clone") == "0" {
            return "the kernel has them off: sudo sysctl -w kernel.unprivileged_userns_clone=1 (docs/troubleshooting.md)"
        }
        if sysctl("user/max_user_namespaces") == "0" {
            return "the kernel allows none: sudo sysctl -w user.max_user_namespaces=15000 (docs/troubleshooting.md)"
        }
        return "in a container, start it with --security-opt seccomp=unconfined --security-opt apparmor=unconfined (docs/troubleshooting.md)"
    }

    private static func sysctl(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/" + name, encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Everything `descriptor` gives until its end (or `deadline`, when given), at most `limit`
/// bytes kept.
func readAll(_ descriptor: Int32, limit: Int, until deadline: ContinuousClock.Instant? = nil) -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        if let deadline {
            // A child that hangs holding the pipe open must not hold its reader past the deadline.
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            let ready = poll(&watched, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }  // the deadline, checked above
        }
        let count = read(descriptor, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        if bytes.count < limit { bytes += buffer[0..<min(count, limit - bytes.count)] }
    }
    return bytes
}
