import CLinux
import Foundation
import Processes
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An app's running container: one bubblewrap sandbox with its own user, pid, ipc, uts
/// and network namespaces, in which `app` (uid 1000) is Rostra's user (or, as root, the
/// app's own uid), `/srv` is the app's folder, the machine's `/usr` and a list of `/etc`
/// files are read-only, and `init.sh` runs supervisord. SSH sessions are entered into it
/// (`enteringCommand`), so they see its processes, its network and its `/tmp`; killing its
/// pid 1 ends all of them at once.
final class Sandbox: Sendable {
    /// The outer bubblewrap process (Rostra's child).
    let process: ChildProcess
    /// The sandbox's pid 1, as the host numbers it.
    let pid1: pid_t
    /// The user namespace that owns the sandbox's other namespaces. bubblewrap nests two
    /// (its `--dev` needs uid 0 to mount devpts): entering the outer one first gives the
    /// rights to join the mount, pid, ipc, uts and net namespaces, as any user.
    let userNamespace: Int32
    /// The host uid and gid it runs as (nil: Rostra's own); its sessions enter as the same.
    let identity: FileOwner?

    private init(process: ChildProcess, pid1: pid_t, userNamespace: Int32, identity: FileOwner?) {
        self.process = process
        self.pid1 = pid1
        self.userNamespace = userNamespace
        self.identity = identity
    }

    deinit {
        close(userNamespace)
    }

    /// Files of `/etc` a container sees from the machine, read-only: what tools need
    /// (certificates, time zones, the linker's cache, shells' and editors' settings), and
    /// never what would give anything away (shadow, ssh host keys, sudoers, users' names).
    static let etcAllowlist = [
        "alternatives", "bash.bashrc", "bash_completion.d", "ca-certificates", "ca-certificates.conf", "ssl", "localtime",
        "timezone", "hosts", "resolv.conf", "host.conf", "gai.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "inputrc",
        "profile", "profile.d", "environment", "protocols", "services", "networks", "mime.types", "magic", "magic.mime",
        "terminfo", "vim", "nanorc", "gitconfig", "python3", "python3.11", "python3.12", "perl", "locale.alias", "locale.gen",
        "shells", "wgetrc", "login.defs", "debian_version", "os-release", "ssh/ssh_config", "ssh/ssh_config.d",
        "nginx/mime.types", "nginx/fastcgi_params", "nginx/proxy_params", "nginx/uwsgi_params", "nginx/scgi_params",
        "pip.conf", "npmrc", "gemrc", "php",
    ]

    /// PATH inside, as Rosti's .bashrc makes it.
    static let path = "/srv/bin/primary_tech:/srv/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"

    /// Starts the sandbox of `folder` and waits until it is complete. Throws with the
    /// sandbox's own words when it fails.
    static func start(
        folder: AppFolder, hostname: String, tools: ContainerTools, identity: FileOwner?, watcher: ProcessWatcher,
        limits: HostingLimits.Containers
    ) throws -> Sandbox {
        guard let bwrap = tools[ContainerTools.bwrap] else { throw SandboxError("bubblewrap is not installed") }
        var opened: [Int32] = []
        defer { for descriptor in opened { close(descriptor) } }
        func keep(_ descriptor: Int32, _ what: String) throws -> Int32 {
            guard descriptor >= 0 else { throw SandboxError("\(what): \(String(cString: strerror(errno)))") }
            opened.append(descriptor)
            return descriptor
        }
        func pipeEnds(_ what: String) throws -> (read: Int32, write: Int32) {
            guard let ends = makePipe() else { throw SandboxError("\(what): \(String(cString: strerror(errno)))") }
            opened += [ends.read, ends.write]
            return ends
        }
        let log = try keep(open(folder.containerLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600), "open \(folder.containerLog)")
        let arguments = try pipeEnds("the arguments pipe")
        let info = try pipeEnds("the info pipe")
        let ready = try pipeEnds("the ready pipe")
        // The child's descriptors: 0–2, then 3 arguments, 4 info, 5 ready (init.sh's), then
        // the folders and files bound in.
        var descriptors: [Int32] = [-1, log, log, arguments.read, info.write, ready.write]
        func passed(_ descriptor: Int32) -> String {
            descriptors.append(descriptor)
            return String(descriptors.count - 1)
        }
        func folderDescriptor(_ path: String) throws -> String {
            passed(try keep(open(path, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open \(path)"))
        }
        func fileDescriptor(_ path: String) throws -> String {
            passed(try keep(open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), "open \(path)"))
        }

        var spec = [
            "--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--hostname", hostname, "--unshare-net", "--die-with-parent", "--info-fd", "4",
            "--tmpfs", "/", "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib",
        ]
        for extra in ["lib64", "lib32", "libx32"] where HostFiles.exists("/usr/" + extra) {
            spec += ["--symlink", "usr/" + extra, "/" + extra]
        }
        spec += ["--proc", "/proc", "--dev", "/dev", "--dir", "/etc"]
        for name in etcAllowlist { spec += ["--ro-bind-try", "/etc/" + name, "/etc/" + name] }
        for (name, target) in [("passwd", "/etc/passwd"), ("group", "/etc/group"), ("nsswitch.conf", "/etc/nsswitch.conf"),
                               ("hostname", "/etc/hostname"), ("supervisord.conf", "/etc/supervisor/supervisord.conf"),
                               ("nginx.conf", "/etc/nginx/nginx.conf")] {
            spec += ["--ro-bind-data", try fileDescriptor(folder.sys + "/" + name), target]
        }
        // Debian's crontab is setgid and cannot work in here; the wrapper takes its place.
        if HostFiles.exists("/usr/bin/crontab") {
            spec += ["--perms", "0755", "--ro-bind-data", try fileDescriptor(folder.sys + "/bin/crontab"), "/usr/bin/crontab"]
        }
        spec += ["--ro-bind-fd", try folderDescriptor(folder.sys), "/run/rostra"]
        if HostFiles.exists("/usr/local/bin") { spec += ["--ro-bind-fd", try folderDescriptor(folder.sys + "/bin"), "/usr/local/bin"] }
        spec += ["--ro-bind-fd", try folderDescriptor(folder.sys + "/techs"), "/opt/techs"]
        spec += ["--ro-bind-fd", try folderDescriptor(folder.sys + "/examples"), "/opt/examples"]
        spec += ["--bind-fd", try folderDescriptor(folder.srv), "/srv"]
        spec += ["--bind-fd", try folderDescriptor(folder.tmp), "/tmp"]
        spec += ["--bind-fd", try folderDescriptor(folder.spool), "/var/spool/cron/crontabs"]
        spec += [
            "--dir", "/var/tmp", "--dir", "/var/log/nginx", "--symlink", "/srv/var/nginx", "/var/lib/nginx", "--dir", "/home",
            "--chdir", "/srv", "--clearenv",
            "--setenv", "HOME", "/srv", "--setenv", "USER", "app", "--setenv", "LOGNAME", "app", "--setenv", "SHELL", "/bin/bash",
            "--setenv", "PATH", path, "--setenv", "LANG", "C.UTF-8", "--setenv", "TZ", AppContainer.timeZone,
        ]
        guard descriptors.count <= 64 else { throw SandboxError("too many descriptors for bubblewrap") }
        // On a pipe rather than the command line, so that pid 1 inside shows
        // `bwrap --args 3 …`, not the host's paths.
        let specBytes: [UInt8] = spec.flatMap { Array($0.utf8) + [0] }
        guard specBytes.count < 60_000 else { throw SandboxError("bubblewrap's arguments do not fit in a pipe") }
        let written = specBytes.withUnsafeBytes { write(arguments.write, $0.baseAddress, $0.count) }
        guard written == specBytes.count else { throw SandboxError("writing bubblewrap's arguments failed") }
        close(arguments.write)
        opened.removeAll { $0 == arguments.write }

        var command = Command(bwrap, ["--args", "3", "/bin/bash", "/run/rostra/init.sh"], environment: ["PATH": "/usr/bin:/bin"])
        command.descriptors = descriptors
        command.identity = identity.map { (uid: $0.uid, gid: $0.gid) }
        let process = try watcher.spawn(command)
        // Only the child holds the write ends now: end of file on them means it is gone.
        for end in [info.write, ready.write] {
            close(end)
            opened.removeAll { $0 == end }
        }
        do {
            let deadline = ContinuousClock.now + .seconds(limits.sandboxStartSeconds)
            let infoText = String(decoding: try readUntilEnd(info.read, deadline: deadline, stoppingAt: UInt8(ascii: "}")), as: UTF8.self)
            guard let pid1 = Self.childPID(in: infoText) else {
                throw SandboxError("bubblewrap did not start the sandbox" + Self.quote(folder.containerLog, limits))
            }
            guard try readUntilEnd(ready.read, deadline: deadline, stoppingAt: UInt8(ascii: "\n")).starts(with: Array("ready".utf8)) else {
                throw SandboxError("the sandbox ended while starting" + Self.quote(folder.containerLog, limits))
            }
            let mountNamespace = open("/proc/\(pid1)/ns/mnt", O_RDONLY | O_CLOEXEC)
            guard mountNamespace >= 0 else { throw SandboxError("the sandbox's namespaces are gone: \(String(cString: strerror(errno)))") }
            let owner = rostra_namespace_owner(mountNamespace)
            let ownerError = errno
            close(mountNamespace)
            guard owner >= 0 else { throw SandboxError("NS_GET_USERNS: \(String(cString: strerror(ownerError)))") }
            return Sandbox(process: process, pid1: pid1, userNamespace: owner, identity: identity)
        } catch {
            process.signal(SIGKILL)
            process.wait(timeout: .seconds(5))
            throw error
        }
    }

    /// Kills every process of the sandbox (its pid namespace ends with its pid 1) and waits
    /// for bubblewrap to go.
    func kill() {
        // Through bubblewrap's own process when its pid 1 is already gone: never a pid that
        // might have been reused.
        if process.termination == nil { Glibc.kill(pid1, SIGKILL) }
        process.signal(SIGKILL)
        process.wait(timeout: .seconds(10))
    }

    var isRunning: Bool { process.termination == nil }

    /// The command an SSH connection runs with the socket as its descriptors 0 and 1: OpenSSH's
    /// `sshd -i` with the app's config, entered as `enteringCommand` says.
    func sessionCommand(tools: ContainerTools, connection: Int32, log: Int32, identity: FileOwner?) -> Command? {
        guard let sshd = tools[ContainerTools.sshd] else { return nil }
        return enteringCommand(
            [sshd, "-i", "-e", "-f", "/run/rostra/sshd_config"], tools: tools, environment: ["LANG": "C.UTF-8"],
            descriptors: [connection, connection, log], identity: identity)
    }

    /// A command that runs `arguments` inside this sandbox as `app`, in `/srv`, with
    /// `descriptors` as its 0, 1, 2 and this sandbox's user namespace as 3: `nsenter` into the
    /// outer user namespace and the sandbox's others, `nsenter` again into pid 1's nested
    /// user namespace (where it is uid 1000, `app`, with no capabilities left after exec),
    /// `setpriv` for no new privileges, then the program, with `environment` and nothing
    /// else of Rostra's.
    func enteringCommand(
        _ arguments: [String], tools: ContainerTools, environment: [String: String], descriptors: [Int32], identity: FileOwner?
    ) -> Command? {
        guard let nsenter = tools[ContainerTools.nsenter], let setpriv = tools[ContainerTools.setpriv], descriptors.count == 3 else { return nil }
        var command = Command(nsenter, [
            "--user=/proc/self/fd/3", "--preserve-credentials", "-t", String(pid1), "-m", "-p", "-u", "-i", "-n",
            nsenter, "--user=/proc/1/ns/user", "--preserve-credentials", "-w/srv",
            setpriv, "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
        ] + arguments, environment: environment)
        command.descriptors = descriptors + [userNamespace]
        command.identity = identity.map { (uid: $0.uid, gid: $0.gid) }
        return command
    }

    /// `{"child-pid": 1234, …}` → 1234.
    static func childPID(in info: String) -> pid_t? {
        guard let key = info.range(of: "\"child-pid\"") else { return nil }
        let digits = info[key.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
        return pid_t(digits)
    }

    private static func quote(_ log: String, _ limits: HostingLimits.Containers) -> String {
        let lines = HostFiles.lastLines(of: log, count: limits.logLinesQuoted)
        return lines.isEmpty ? "" : ": " + lines.joined(separator: " / ")
    }
}

/// O_PATH (Linux, not in Swift's Glibc module): a descriptor that names a folder for
/// bubblewrap's `--bind-fd` without opening it for reading. bubblewrap then binds the folder
/// even when it runs as a uid that could not walk the path to it (an app's own uid, as root).
let openPathOnly: Int32 = 0o10_000_000

/// Why a sandbox could not start or be entered.
struct SandboxError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads `descriptor` until end of file, `stop` or `deadline`; throws on a time-out.
func readUntilEnd(_ descriptor: Int32, deadline: ContinuousClock.Instant, stoppingAt stop: UInt8? = nil) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while true {
        let left = deadline - ContinuousClock.now
        let milliseconds = max(0, Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { continue }
            throw SandboxError("poll: \(String(cString: strerror(errno)))")
        }
        if ready == 0 { throw SandboxError("timed out") }
        let count = read(descriptor, &buffer, buffer.count)
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            throw SandboxError("read: \(String(cString: strerror(errno)))")
        }
        if count == 0 { return bytes }
        bytes += buffer[0..<count]
        if let stop, buffer[0..<count].contains(stop) { return bytes }
    }
}
