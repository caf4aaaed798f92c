import Arguments
import Foundation
import HTTP
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

    static let tlsPort = OptionSpec(
        "front-door-tls-port", .value(valueName: "port"),
        help: "Port of the front door over TLS, with a certificate of the local authority for each app's names (0: any free one).",
        environment: EnvironmentFallback("ROSTRA_FRONT_DOOR_TLS_PORT"), shownDefault: "\(defaultTLSPort), or 0 when --rosti-port is 0; none with --no-tls")

    static let all = [port, tlsPort, off]

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
    static let defaultTLSPort = 8445

    /// Nil with --no-front-door.
    let requestedPort: Int?
    /// Whether the port was named (a named port in use stops the start; the default one in
    /// use only leaves the front door out, as the TLS ports do).
    let portWasChosen: Bool
    /// The TLS port asked for (nil with --no-front-door; `--no-tls` is the caller's).
    let requestedTLSPort: Int?
    let tlsPortWasChosen: Bool

    /// `freePortsAsked`: the Rosti API's port is 0. A harness that asks for free ports gets
    /// a free front door too, as it gets free TLS ports: Rostras started side by side (a
    /// test suite's) do not all reach for 8002.
    init(_ arguments: ParsedArguments, freePortsAsked: Bool) throws(UsageError) {
        let chosen = try arguments.value(Self.port, expected: "a port (0–65535)") { Int($0).flatMap { (0...65_535).contains($0) ? $0 : nil } }
        let chosenTLS = try arguments.value(Self.tlsPort, expected: "a port (0–65535)") { Int($0).flatMap { (0...65_535).contains($0) ? $0 : nil } }
        if try arguments.isSet(Self.off) {
            guard chosen == nil, chosenTLS == nil else {
                throw UsageError("--no-front-door and --front-door-port or --front-door-tls-port (ROSTRA_NO_FRONT_DOOR, ROSTRA_FRONT_DOOR_PORT, ROSTRA_FRONT_DOOR_TLS_PORT) exclude each other.")
            }
            requestedPort = nil
            requestedTLSPort = nil
        } else {
            requestedPort = chosen ?? (freePortsAsked ? 0 : Self.defaultPort)
            requestedTLSPort = chosenTLS ?? (freePortsAsked ? 0 : Self.defaultTLSPort)
        }
        portWasChosen = chosen != nil
        tlsPortWasChosen = chosenTLS != nil
    }

    /// The front door on `host`, or nil (after a warning) when it is off, nginx is missing,
    /// or its default port is in use; over TLS too with certificates of `authority` (nil:
    /// `--no-tls`), unless its default TLS port is in use (after a warning).
    func frontDoor(host: String, authority: LocalCertificateAuthority?, logger: Logger) throws -> FrontDoor? {
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
        var tls: FrontDoor.TLS?
        if let authority, let tlsPort = requestedTLSPort {
            if tlsPort != 0, let problem = Self.portProblem(host: host, port: tlsPort) {
                guard !tlsPortWasChosen else {
                    throw CommandFailure("Cannot listen for the front door over TLS on \(host):\(tlsPort): \(problem) (another port: --front-door-tls-port; none: --no-tls)")
                }
                logger.warning("the front door is not served over TLS: its default port \(tlsPort) is in use (choose one: --front-door-tls-port; none: --no-tls)")
            } else {
                let validity = LocalCertificateAuthority.Validity.self
                tls = FrontDoor.TLS(port: tlsPort, renewAfter: .seconds((validity.serverDays - validity.renewWithinDays) * 86_400)) { names in
                    let issued = try authority.issueCertificate(names: names)
                    if issued.madeAuthority {
                        logger.notice("made a certificate authority: \(authority.authorityCertificatePath) (trust it once: rostra ca)")
                    }
                    return (issued.certificate, issued.key)
                }
            }
        }
        Self.removeAbandonedFolders()
        do {
            return try FrontDoor(host: host, port: requestedPort, directory: Self.directory, watcher: try ProcessWatcher(), logger: logger, tls: tls)
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
