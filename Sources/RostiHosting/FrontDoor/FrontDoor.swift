import Foundation
import Logging
import Primitives
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// The front door: one HTTP port on which every app answers for its host names, as the
/// platform's balancer routes by `Host` to each app's container.
///
/// It is nginx (Debian's `nginx-light`), configured and supervised by Rostra, not a proxy
/// of our own: keep-alive on both sides, streamed bodies, WebSocket upgrades and the
/// forwarding headers are what a trusted reverse proxy already does right, and the real
/// platform's balancer is one too. Rostra writes the configuration from the apps' state
/// (`FrontDoorConfiguration`) and has nginx reload it on every change; nginx starts with
/// the first change and stops with Rostra.
public final class FrontDoor: Sendable {
    public let host: String
    /// The port it listens on (chosen when asked for 0).
    public let port: Int
    private let directory: String
    private let nginx: String
    private let watcher: ProcessWatcher
    private let limits: HostingLimits.FrontDoor
    private let logger: Logger
    /// As root, nginx runs as this user (it owns the directory): a proxy of test apps needs
    /// no privilege.
    private let identity: (uid: uid_t, gid: gid_t)?
    /// The TLS port, when the front door has one.
    public let tls: TLS?
    private let state = AdaptiveMutex<State>(State())

    private struct State {
        var process: ChildProcess?
        var generation = 0
        /// The certificates written for the TLS port, by the names they are for (sorted,
        /// joined by spaces): their files and when they were issued.
        var certificates: [String: (files: FrontDoorConfiguration.CertificateFiles, issued: ContinuousClock.Instant)] = [:]
        /// Numbers the certificates' files.
        var certificatesMade = 0
        /// Names no certificate could be issued for (said once).
        var unnamed: Set<String> = []
    }

    /// The front door over TLS: its port and where certificates come from (the local
    /// certificate authority, which the TLS listeners of the APIs serve from too).
    public struct TLS: Sendable {
        public let port: Int
        /// A certificate and its key, in PEM, for these host names.
        public let issue: @Sendable (_ names: [String]) throws -> (certificate: String, key: String)
        /// How long an issued certificate is served before another is issued in its place
        /// (its validity less a margin, as the APIs' own certificate is renewed).
        public let renewAfter: Duration

        public init(port: Int, renewAfter: Duration, issue: @escaping @Sendable ([String]) throws -> (certificate: String, key: String)) {
            self.port = port
            self.renewAfter = renewAfter
            self.issue = issue
        }
    }

    /// The program, when installed.
    public static let executable = "/usr/sbin/nginx"
    public static let installCommand = "apt-get install -y nginx-light"

    /// - Parameter directory: where the configuration, nginx's pid and temporary files and
    ///   the pages it answers itself are kept; made if missing.
    /// - Parameter tls: the TLS port (0: any free one) and where its certificates come from;
    ///   nil for none.
    public init(
        host: String, port: Int, directory: String, watcher: ProcessWatcher, limits: HostingLimits.FrontDoor = .init(),
        logger: Logger, nginx: String = FrontDoor.executable, tls: TLS? = nil
    ) throws {
        self.host = host
        self.port = port == 0 ? try Self.freePort(host: host) : port
        self.tls = try tls.map { tls in
            TLS(port: tls.port == 0 ? try Self.freePort(host: host) : tls.port, renewAfter: tls.renewAfter, issue: tls.issue)
        }
        self.directory = directory
        self.nginx = nginx
        self.watcher = watcher
        self.limits = limits
        self.logger = logger
        if getuid() == 0, let user = getpwnam("www-data") {
            identity = (user.pointee.pw_uid, user.pointee.pw_gid)
        } else {
            identity = nil
        }
        for folder in ["", "/tmp", "/pages", "/certificates"] {
            try FileManager.default.createDirectory(atPath: directory + folder, withIntermediateDirectories: true)
            if let identity { chown(directory + folder, identity.uid, identity.gid) }
        }
        // The certificates' keys: nginx's alone.
        chmod(directory + "/certificates", 0o700)
        for page in FrontDoorConfiguration.pages {
            try write(page.html, to: directory + "/pages/" + page.fileName)
        }
    }

    /// Whether `name` can be routed (a domain with a character that could change nginx's
    /// configuration is left out rather than escaped).
    public static func isServerName(_ name: String) -> Bool { FrontDoorConfiguration.isServerName(name) }

    /// Whether nginx is installed here.
    public static var isInstalled: Bool { access(executable, X_OK) == 0 }

    /// Serves exactly `routes` from now on: writes the configuration, starts
    /// nginx or has it reload, and returns once the new configuration answers.
    public func apply(_ routes: [FrontDoorRoute]) throws {
        try state.withLock { state in
            state.generation += 1
            // Files of certificates no longer named go once nginx serves without them.
            var retired: [FrontDoorConfiguration.CertificateFiles] = []
            let certificates = try tls.map { tls in try certificateFiles(for: routes, tls: tls, state: &state, retired: &retired) }
            defer {
                for files in retired {
                    unlink(files.certificate)
                    unlink(files.key)
                }
            }
            let configuration = FrontDoorConfiguration(
                listenHost: host, port: port, directory: directory, routes: routes, limits: limits, generation: state.generation,
                tls: tls.map { FrontDoorConfiguration.TLS(port: $0.port, certificates: certificates ?? [:]) })
            try write(configuration.text, to: directory + "/nginx.conf")
            var oldWorkers: [pid_t] = []
            if let process = state.process, process.termination == nil {
                oldWorkers = Self.children(of: process.pid)
                process.signal(SIGHUP)
            } else {
                state.process = try start()
            }
            try waitUntilServing(generation: state.generation, process: state.process!, replacing: oldWorkers)
        }
    }

    /// The certificate files of every route's names and of the default server's, issued
    /// for names that have none yet or whose certificate is due for renewal; a set of
    /// names no route has any more is forgotten with its files. Names the authority cannot
    /// issue for are left out: their app answers on the plain port only.
    private func certificateFiles(
        for routes: [FrontDoorRoute], tls: TLS, state: inout State, retired: inout [FrontDoorConfiguration.CertificateFiles]
    ) throws -> [String: FrontDoorConfiguration.CertificateFiles] {
        let wanted = Set([FrontDoorConfiguration.defaultServerNames] + routes.map { FrontDoorConfiguration.certificateNames(of: $0) })
            .filter { !$0.isEmpty }
        var files: [String: FrontDoorConfiguration.CertificateFiles] = [:]
        for names in wanted {
            let key = names.joined(separator: " ")
            if let known = state.certificates[key], ContinuousClock.now - known.issued < tls.renewAfter {
                files[key] = known.files
                continue
            }
            let issued: (certificate: String, key: String)
            do {
                issued = try tls.issue(names)
            } catch {
                // That app answers on the plain port only; the others still get TLS.
                if state.unnamed.insert(key).inserted {
                    logger.warning("front door: no certificate for \(key), served over plain HTTP only: \(error)")
                }
                continue
            }
            // New files for a renewal too: the running nginx keeps reading the old ones until
            // it has loaded the configuration that names the new.
            state.certificatesMade += 1
            let made = FrontDoorConfiguration.CertificateFiles(
                certificate: directory + "/certificates/\(state.certificatesMade).pem", key: directory + "/certificates/\(state.certificatesMade)-key.pem")
            try write(issued.key, to: made.key, mode: 0o600)
            try write(issued.certificate, to: made.certificate, mode: 0o644)
            if let old = state.certificates[key] { retired.append(old.files) }
            state.certificates[key] = (made, ContinuousClock.now)
            files[key] = made
        }
        for (key, gone) in state.certificates where files[key] == nil {
            retired.append(gone.files)
            state.certificates[key] = nil
        }
        return files
    }

    /// Stops nginx (at shutdown); `apply` starts it again.
    public func stop() {
        let process = state.withLock { state in
            defer { state.process = nil }
            return state.process
        }
        process?.stop(grace: .seconds(5))
    }

    public var isRunning: Bool { state.withLock { $0.process?.termination == nil && $0.process != nil } }

    // MARK: Running nginx

    private func start() throws -> ChildProcess {
        let log = open(directory + "/error.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw FrontDoorError(problem: "cannot open \(directory)/error.log: \(String(cString: strerror(errno)))") }
        defer { close(log) }
        if let identity { fchown(log, identity.uid, identity.gid) }
        var command = Command(
            nginx, ["-e", "stderr", "-p", directory, "-c", directory + "/nginx.conf"],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"])
        command.descriptors = [-1, log, log]
        command.identity = identity
        // SIGQUIT is nginx's graceful stop (requests in progress finish); SIGTERM its
        // fast one, right for a Rostra that is gone.
        command.stopSignal = SIGQUIT
        command.deathSignal = SIGTERM
        do {
            return try watcher.spawn(command)
        } catch {
            throw FrontDoorError(problem: "\(error) — \(Self.installCommand)")
        }
    }

    /// nginx answers `GET /__rostra/generation` on the default server with the number the
    /// configuration was written with: once a new worker says this one, and every worker of
    /// the old configuration has stopped taking connections (on a reload they finish what
    /// they serve, but for a moment both old and new accept), the change has taken effect.
    private func waitUntilServing(generation: Int, process: ChildProcess, replacing oldWorkers: [pid_t]) throws {
        let deadline = ContinuousClock.now + limits.readyTimeout
        while ContinuousClock.now < deadline {
            if let ended = process.termination {
                throw FrontDoorError(problem: "nginx ended (\(ended)): \(lastLogLines())")
            }
            if oldWorkers.allSatisfy(Self.hasStoppedAccepting), Self.askGeneration(host: host, port: port) == generation { return }
            usleep(2_000)
        }
        throw FrontDoorError(problem: "nginx did not serve the new configuration within \(limits.readyTimeout): \(lastLogLines())")
    }

    private func lastLogLines() -> String {
        let text = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    private func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        if let identity { chown(path, identity.uid, identity.gid) }
    }

    /// The processes `pid` started (nginx's workers), from /proc.
    private static func children(of pid: pid_t) -> [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// An old worker is gone, or has closed its listening sockets: nginx retitles it
    /// "worker process is shutting down" as it does.
    private static func hasStoppedAccepting(_ worker: pid_t) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(worker)/cmdline"), !data.isEmpty else { return true }
        return String(decoding: data, as: UTF8.self).contains("shutting down")
    }

    /// One plain request on a fresh connection; nil when nothing answers yet.
    private static func askGeneration(host: String, port: Int) -> Int? {
        var hints = addrinfo(ai_flags: AI_NUMERICHOST, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue),
                             ai_protocol: 0, ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else { return nil }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else { return nil }
        let request = "GET /__rostra/generation HTTP/1.1\r\nHost: rostra-front-door.invalid\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while case let count = recv(descriptor, &buffer, buffer.count, 0), count > 0 { received += buffer[0..<count] }
        let text = String(decoding: received, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let body = text.components(separatedBy: "\r\n\r\n").last else { return nil }
        return Int(body.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A port nothing listens on now, for a front door asked to take any (port 0): nginx
    /// cannot say which one it took.
    private static func freePort(host: String) throws -> Int {
        guard !host.contains(":") else { throw FrontDoorError(problem: "give the front door a port on \(host): any free one is found on IPv4 only") }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FrontDoorError(problem: "no socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw FrontDoorError(problem: "no free port on \(host): \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The front door could not serve: nginx missing, refused its configuration, or ended.
public struct FrontDoorError: Error, Sendable, CustomStringConvertible {
    public let problem: String
    public var description: String { "front door: \(problem)" }
}
