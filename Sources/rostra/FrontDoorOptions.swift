import Arguments
import Foundation
import Logging
import Processes
import RostiHosting

#if canImport(Glibc)
import Glibc
#endif

/// `rostra serve`'s front door: the HTTP port on which every app answers for its domains and
/// for `<name>-<id>.localhost` (docs/rosti.md, "The front door").
struct FrontDoorOptions {
    static let port = OptionSpec(
        "front-door-port", .value(valueName: "port"),
        help: "Port of the front door, where each app answers for its domains and <name>-<id>.localhost (0: any free one).",
        environment: EnvironmentFallback("ROSTRA_FRONT_DOOR_PORT"), shownDefault: "\(defaultPort), or 0 when --rosti-port is 0")
    static let off = OptionSpec(
        "no-front-door", .flag, help: "Run no front door: apps are reached over SSH only.",
        environment: EnvironmentFallback("ROSTRA_NO_FRONT_DOOR", shown: "ROSTRA_NO_FRONT_DOOR=1"))

    static let all = [port, off]

    /// The front door's folder (nginx's configuration, logs and temporary files): a
    /// throwaway one, removed when `rostra serve` stops.
    static var directory: String { NSTemporaryDirectory() + folderPrefix + "\(getpid())" }
    static let folderPrefix = "rostra-front-door-"

    /// Removes the folders of front doors whose Rostra was killed (SIGKILL leaves it no time
    /// to remove its own): those named for a process that no longer exists. A test suite
    /// that kills Rostras by the hundred would otherwise fill the temporary folder.
    static func removeAbandonedFolders() {
        let parent = NSTemporaryDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(folderPrefix) {
            guard let pid = pid_t(name.dropFirst(folderPrefix.count)), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: parent + name)
        }
    }
    static let defaultPort = 8002

    /// Nil with --no-front-door.
    let requestedPort: Int?
    /// Whether the port was named (a named port in use stops the start; the default one in
    /// use only leaves the front door out, as the TLS ports do).
    let portWasChosen: Bool

    /// `freePortsAsked`: the Rosti API's port is 0. A harness that asks for free ports gets
    /// a free front door too, as it gets free TLS ports: Rostras started side by side (a
    /// test suite's) do not all reach for 8002.
    init(_ arguments: ParsedArguments, freePortsAsked: Bool) throws(UsageError) {
        let chosen = try arguments.value(Self.port, expected: "a port (0–65535)") { Int($0).flatMap { (0...65_535).contains($0) ? $0 : nil } }
        if try arguments.isSet(Self.off) {
            guard chosen == nil else { throw UsageError("--no-front-door and --front-door-port (ROSTRA_NO_FRONT_DOOR, ROSTRA_FRONT_DOOR_PORT) exclude each other.") }
            requestedPort = nil
        } else {
            requestedPort = chosen ?? (freePortsAsked ? 0 : Self.defaultPort)
        }
        portWasChosen = chosen != nil
    }

    /// The front door on `host`, or nil (after a warning) when it is off, nginx is missing,
    /// or its default port is in use.
    func frontDoor(host: String, logger: Logger) throws -> FrontDoor? {
        guard let requestedPort else { return nil }
        guard FrontDoor.isInstalled else {
            logger.warning("no front door: nginx is not installed (\(FrontDoor.installCommand)); apps are reached over SSH only")
            return nil
        }
        if requestedPort != 0, let problem = Self.portProblem(host: host, port: requestedPort) {
            guard portWasChosen else {
                logger.warning("no front door: its default port \(requestedPort) is in use (choose one: --front-door-port; none: --no-front-door)")
                return nil
            }
            throw CommandFailure("Cannot listen for the front door on \(host):\(requestedPort): \(problem) (another port: --front-door-port; none: --no-front-door)")
        }
        Self.removeAbandonedFolders()
        do {
            return try FrontDoor(host: host, port: requestedPort, directory: Self.directory, watcher: try ProcessWatcher(), logger: logger)
        } catch {
            throw CommandFailure("Cannot prepare the front door: \(error)")
        }
    }

    /// Why `port` cannot be listened on now (nginx binds it later, at the first change).
    static func portProblem(host: String, port: Int) -> String? {
        var hints = addrinfo(
            ai_flags: AI_NUMERICHOST | AI_PASSIVE, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0,
            ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else { return "\(host) is not an address" }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
