import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// One app's network: the sandbox has a network namespace of its own (so every app listens
/// on 8000 and 8080 with no clash), and pasta (Debian's `passt`) connects it to the host:
/// the app's front (its nginx on 8000 inside) is published on a loopback port of the host,
/// the front door's target, and the host's loopback ports of the machine's services (the
/// storages' database servers) appear at the same `127.0.0.1:<port>` inside, the address
/// the API reports. Nothing else of the host's loopback is reachable from inside, and
/// nothing the app listens on is published but 8000. Outbound connections go out as the
/// host's would.
///
/// pasta was measured against slirp4netns and a relay (docs/rosti.md, "Network"): the one
/// process gives the published port, the storages and outbound access, as root and as an
/// ordinary user.
final class AppNetwork: Sendable {
    let process: ChildProcess
    /// The host's loopback port that reaches the app's 8000.
    let frontPort: Int
    /// The host's service ports brought in (pasta's list, fixed for its life).
    let hostPorts: Set<Int>

    private init(process: ChildProcess, frontPort: Int, hostPorts: Set<Int>) {
        self.process = process
        self.frontPort = frontPort
        self.hostPorts = hostPorts
    }

    /// The port inside that the host's loopback port reaches.
    static let containerFrontPort = 8000

    /// Connects `sandbox`'s namespace: publishes its 8000 on a free loopback port and brings
    /// `hostPorts` in; returns once the published port accepts connections.
    static func attach(
        _ sandbox: Sandbox, hostPorts: [Int], tools: ContainerTools, identity: FileOwner?, log: String, watcher: ProcessWatcher,
        limits: HostingLimits.Containers
    ) throws -> AppNetwork {
        guard let pasta = tools[ContainerTools.pasta] else { throw SandboxError("pasta is not installed (apt-get install -y passt)") }
        let logDescriptor = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard logDescriptor >= 0 else { throw SandboxError("open \(log): \(String(cString: strerror(errno)))") }
        defer { close(logDescriptor) }
        var lastError: (any Error)?
        // A free port found by binding may be taken by another program before pasta binds it:
        // then pasta ends at once, and another port is tried.
        for _ in 0..<limits.networkPortAttempts {
            let port = try freeLoopbackPort()
            let ports = hostPorts.filter { (1...65_535).contains($0) }
            var arguments = [
                "--config-net", "--quiet", "--foreground", "--no-map-gw",
                // Every direction given: pasta's default ("auto") would publish every port the
                // app listens on and bring every host port in.
                "-t", "127.0.0.1/\(port):\(containerFrontPort)", "-u", "none",
                "-T", ports.isEmpty ? "none" : ports.map(String.init).joined(separator: ","), "-U", "none",
                "--userns", "/proc/self/fd/3", "--netns", "/proc/\(sandbox.pid1)/ns/net",
            ]
            // As root, pasta would change to `nobody`, who may not enter the namespaces.
            if identity == nil && geteuid() == 0 { arguments += ["--runas", "0"] }
            var command = Command(pasta, arguments, environment: ["PATH": "/usr/bin:/bin"])
            command.descriptors = [-1, logDescriptor, logDescriptor, sandbox.userNamespace]
            command.identity = identity.map { (uid: $0.uid, gid: $0.gid) }
            let process = try watcher.spawn(command)
            let deadline = ContinuousClock.now + .seconds(limits.networkStartSeconds)
            while ContinuousClock.now < deadline {
                if process.termination != nil { break }
                if canConnect(port: port) { return AppNetwork(process: process, frontPort: port, hostPorts: Set(ports)) }
                usleep(2_000)
            }
            let ended = process.termination
            process.signal(SIGKILL)
            process.wait(timeout: .seconds(5))
            lastError = SandboxError(
                ended.map { "pasta ended (\($0)) publishing port \(port)" } ?? "pasta did not publish port \(port) within \(limits.networkStartSeconds) s")
        }
        throw lastError ?? SandboxError("pasta did not start")
    }

    func stop() {
        process.signal(SIGKILL)
        process.wait(timeout: .seconds(5))
    }

    /// A loopback port nothing listens on now (the kernel's choice).
    static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SandboxError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SandboxError("no free loopback port: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts on 127.0.0.1:`port`.
    static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
