import Foundation
import Primitives
import Processes
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The app folders of one emulator state and the containers running on them: a folder
/// beside the database (`<db>-apps/`), or a temporary one for a throwaway state, removed
/// when the state ends. Lives as long as the state; the hosting plane attaches to it when
/// the state is opened for use (`attach(_:)`), so a state opened only to export or import
/// (`rostra export`) reaches the folders without running anything.
public final class AppSpace: Sendable {
    public enum Location: Sendable, Equatable {
        /// A folder that stays (`<db>-apps`).
        case folder(String)
        /// A folder of its own under the system's temporary folder, made on first use and
        /// removed with the space (`remove()`, or when it is released).
        case temporary
    }

    public let location: Location
    /// The folder's path; a temporary one is made only when an app first needs a folder.
    private let rootPath: String
    private let madeRoot = AdaptiveMutex<String?>(nil)
    private let attached = AdaptiveMutex<ContainerHost?>(nil)
    private let containers = AdaptiveMutex<[Int64: AppContainer]>([:])
    /// A watcher for exports and imports of a space no host is attached to.
    private let ownWatcher = AdaptiveMutex<ProcessWatcher?>(nil)
    /// Held while the API creates an app (claim a port, insert the row, attach the
    /// container) and while the hosting plane brings the containers in line with the rows,
    /// so that neither sees the other's half-done work.
    public let changes = Lock()
    /// The highest app id whose container this space has seen: rows above it were made
    /// behind the API's back (a job's restore into a new app) and need a container.
    private let newestKnownApp = Atomic<Int64>(0)

    public init(location: Location) {
        self.location = location
        switch location {
        case .folder(let path):
            rootPath = path
            madeRoot.withLock { $0 = path }
        case .temporary:
            rootPath = NSTemporaryDirectory() + "/\(Self.temporaryPrefix)\(getpid())-\(UUID().uuidString)"
        }
    }

    /// Temporary folders are named `rostra-apps-<pid>-<uuid>`: one whose process is gone
    /// (killed, so it could not remove it) is removed by the next Rostra that makes one.
    static let temporaryPrefix = "rostra-apps-"

    deinit {
        for container in containers.withLock({ Array($0.values) }) { container.remove() }
        if location == .temporary, let root = madeRoot.withLock({ $0 }) { try? HostFiles.removeTree(root) }
        ownWatcher.withLock { $0?.shutdown(grace: .zero) }
    }

    /// The folder apps live in, made if missing.
    public func root() throws -> String {
        try madeRoot.withLock { root in
            if let root {
                if !HostFiles.exists(root) { try HostFiles.makeDirectory(root, mode: 0o711, owner: nil) }
                return root
            }
            try HostFiles.makeDirectory(rootPath, mode: 0o711, owner: nil)
            root = rootPath
            Self.removeAbandonedTemporaryFolders()
            return rootPath
        }
    }

    /// Removes the temporary app folders of Rostra processes that no longer run.
    private static func removeAbandonedTemporaryFolders() {
        let parent = NSTemporaryDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix(temporaryPrefix) {
            let rest = name.dropFirst(temporaryPrefix.count)
            guard let pid = pid_t(rest.prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? HostFiles.removeTree(parent + "/" + name)
        }
    }

    /// The folder, if it exists.
    var existingRoot: String? {
        madeRoot.withLock { root in root.flatMap { HostFiles.exists($0) ? $0 : nil } }
    }

    /// The app's folder; made (with the space's) when its container first starts.
    func folder(of app: Int64) throws -> AppFolder { AppFolder(path: rootPath + "/\(app)", space: self) }

    /// The app's `/srv` on the host, if the app has a folder.
    public func serviceFolder(of app: Int64) -> String? {
        guard let root = existingRoot else { return nil }
        let path = root + "/\(app)/srv"
        return HostFiles.exists(path) ? path : nil
    }

    /// Where the app's `/srv` is on the host, whether or not it exists yet; the space's
    /// folder and the app's are made if missing (a snapshot restored into an app whose
    /// container never started puts its files there).
    public func serviceFolderPath(of app: Int64) throws -> String {
        let base = try root() + "/\(app)"
        try HostFiles.makeDirectory(base, mode: 0o711, owner: nil)
        return base + "/srv"
    }

    /// The primary tech `rosti` chose in the app's folder (`/srv/bin/primary_tech`), if any.
    public func primaryTech(of app: Int64) -> (name: String, version: String)? {
        guard let srv = serviceFolder(of: app) else { return nil }
        return MachineTech.primaryTech(linkTarget: HostFiles.linkTarget(srv + "/bin/primary_tech"))
    }

    // MARK: The hosting plane

    /// The host whose containers run this space's apps; nil until attached.
    public var host: ContainerHost? { attached.withLock { $0 } }

    public func attach(_ host: ContainerHost) {
        attached.withLock { $0 = host }
        host.register(self)
    }

    public func container(_ app: Int64) -> AppContainer? { containers.withLock { $0[app] } }

    public var appIDs: [Int64] { containers.withLock { Array($0.keys) } }

    /// The app's container, made (without an endpoint) if it has none yet. nil when no host
    /// is attached.
    public func makeContainer(_ app: Int64, settings: AppContainer.Settings) throws -> AppContainer? {
        guard let host else { return nil }
        let folder = try folder(of: app)
        let container = containers.withLock { containers in
            if let existing = containers[app] { return existing }
            let made = AppContainer(appID: app, folder: folder, host: host, settings: settings)
            containers[app] = made
            return made
        }
        noteKnown(app)
        return container
    }

    /// The newest app id the space has a container for.
    public var newestKnown: Int64 { newestKnownApp.load(ordering: .acquiring) }

    public func noteKnown(_ app: Int64) {
        var current = newestKnownApp.load(ordering: .relaxed)
        while app > current {
            let (exchanged, original) = newestKnownApp.compareExchange(expected: current, desired: app, ordering: .acquiringAndReleasing)
            if exchanged { break }
            current = original
        }
    }

    /// Claims a port for an app about to be made (its id is not known yet): attach the
    /// endpoint with `AppContainer.attach` once the row exists, or give it back with
    /// `release(_:)`. nil when there is no host or no port to be had.
    public func claimEndpoint() -> PendingEndpoint? {
        guard let host, let endpoint = host.claimEndpoint(preferring: nil) else { return nil }
        return PendingEndpoint(endpoint: endpoint, host: host)
    }

    /// Ends an app's container and closes its port; the folder stays.
    public func dropContainer(_ app: Int64) {
        containers.withLock { $0.removeValue(forKey: app) }?.remove()
    }

    /// Ends an app's container, closes its port and removes its folder: the app was deleted.
    public func removeApp(_ app: Int64) throws {
        dropContainer(app)
        if let root = existingRoot { try HostFiles.removeTree(root + "/\(app)") }
    }

    /// Every container ends and every port closes; the folders stay (a shutdown).
    public func stopAll() {
        let all = containers.withLock { containers in
            defer { containers = [:] }
            return Array(containers.values)
        }
        for container in all { container.remove() }
    }

    /// Everything goes: containers, ports, and (for a temporary space) the folder.
    public func remove() {
        stopAll()
        guard location == .temporary else { return }
        madeRoot.withLock { root in
            if let made = root { try? HostFiles.removeTree(made) }
            root = nil
        }
    }

    // MARK: Archives (export and import)

    /// The folders of apps, by id, that exist now.
    public func storedApps() -> Set<Int64> {
        guard let root = existingRoot, let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return [] }
        return Set(names.compactMap { Int64($0) }.filter { HostFiles.exists(root + "/\($0)/srv") })
    }

    /// The app's data as a tar archive: `srv/` (its `/srv`) and its sshd host keys.
    /// nil when the app has no folder.
    public func archive(_ app: Int64) throws -> [UInt8]? {
        guard let root = existingRoot, HostFiles.exists(root + "/\(app)/srv") else { return nil }
        let base = root + "/\(app)"
        let keys = AppFolder.hostKeyFiles(HostingLimits.default.containers.hostKeyTypes).map { "sys/" + $0 }
            .filter { HostFiles.exists(base + "/" + $0) }
        let (status, output, errors) = try runTar(
            ["-c", "-f", "-", "-C", base, "--numeric-owner", "--owner=0", "--group=0", "--sort=name", "srv"] + keys, input: nil)
        // 1: a file changed while it was read (the app is running), which a copy of a
        // running app may well see; anything else is a failure.
        guard status == 0 || status == 1 else {
            throw HostFileError(operation: "tar of app \(app) (\(Self.firstLine(errors)))", path: base, code: EIO)
        }
        return output
    }

    /// Checks that `archive` is an app's archive — a tar holding `srv/…` and at most the
    /// host keys under `sys/` — without unpacking it; throws saying what is wrong.
    public func checkArchive(_ archive: [UInt8]) throws {
        let (status, output, errors) = try runTar(["-t", "-f", "-"], input: archive)
        guard status == 0 else {
            throw HostFileError(operation: "not a tar archive (\(Self.firstLine(errors)))", path: "", code: EINVAL)
        }
        let keyFiles = Set(AppFolder.hostKeyFiles(HostingLimits.default.containers.hostKeyTypes).map { "sys/" + $0 })
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let member = line.hasPrefix("./") ? String(line.dropFirst(2)) : String(line)
            let allowed = member == "srv" || member == "srv/" || member.hasPrefix("srv/") || member == "sys" || member == "sys/"
                || keyFiles.contains(member)
            guard allowed, !member.split(separator: "/").contains("..") else {
                throw HostFileError(operation: "the archive holds \(member), not only srv/ and host keys", path: "", code: EINVAL)
            }
        }
    }

    /// Unpacks an imported archive beside the live folders, to be put in place by
    /// `replaceFolders(with:)` once the rows are in. The archive may hold only `srv/…` and
    /// the host keys.
    public func stage(_ app: Int64, archive: [UInt8]) throws {
        let staging = try root() + "/.staged"
        try HostFiles.makeDirectory(staging, mode: 0o700, owner: nil)
        let target = staging + "/\(app)"
        try HostFiles.removeTree(target)
        try HostFiles.makeDirectory(target, mode: 0o700, owner: nil)
        let (status, _, errors) = try runTar(
            ["-x", "-f", "-", "-C", target, "--no-same-owner", "--preserve-permissions", "--no-overwrite-dir"], input: archive)
        guard status == 0 else {
            try? HostFiles.removeTree(target)
            throw HostFileError(operation: "unpacking the archive of app \(app) (\(Self.firstLine(errors)))", path: target, code: EINVAL)
        }
        let allowed = Set(["srv", "sys"])
        let top = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        let sys = (try? FileManager.default.contentsOfDirectory(atPath: target + "/sys")) ?? []
        let keyFiles = Set(AppFolder.hostKeyFiles(HostingLimits.default.containers.hostKeyTypes))
        guard top.allSatisfy(allowed.contains), sys.allSatisfy(keyFiles.contains), top.contains("srv") else {
            try? HostFiles.removeTree(target)
            throw HostFileError(operation: "the archive of app \(app) holds more than srv/ and host keys", path: target, code: EINVAL)
        }
    }

    /// After an import or a reset: the apps in `staged` get their staged folders (their
    /// containers end first), and every other app's folder goes, so that the apps start
    /// as the new state has them.
    public func replaceFolders(keeping staged: Set<Int64>) throws {
        guard let root = existingRoot else { return }
        let staging = root + "/.staged"
        for app in storedApps().union(staged) {
            dropContainer(app)
            try HostFiles.removeTree(root + "/\(app)")
        }
        for app in staged where HostFiles.exists(staging + "/\(app)") {
            try HostFiles.makeDirectory(root + "/\(app)", mode: 0o711, owner: nil)
            for part in ["srv", "sys"] where HostFiles.exists(staging + "/\(app)/" + part) {
                guard rename(staging + "/\(app)/" + part, root + "/\(app)/" + part) == 0 else {
                    throw HostFileError(operation: "rename", path: staging + "/\(app)/" + part, code: errno)
                }
            }
        }
        try HostFiles.removeTree(staging)
    }

    /// Forgets staged folders (an import that failed).
    public func discardStaged() {
        if let root = existingRoot { try? HostFiles.removeTree(root + "/.staged") }
    }

    private func watcher() throws -> ProcessWatcher {
        if let host { return try host.watcher() }
        return try ownWatcher.withLock { watcher in
            if let watcher { return watcher }
            let made = try ProcessWatcher()
            watcher = made
            return made
        }
    }

    private func runTar(_ arguments: [String], input: [UInt8]?) throws -> (Int32, [UInt8], [UInt8]) {
        let tar = ContainerTools.find(in: ContainerTools.defaultSearchDirectories)[ContainerTools.tar] ?? "/bin/tar"
        guard let outputEnds = makePipe(), let errorEnds = makePipe(), let feedEnds = makePipe() else {
            throw HostFileError(operation: "pipe", path: tar, code: errno)
        }
        let output = [outputEnds.read, outputEnds.write]
        let errors = [errorEnds.read, errorEnds.write]
        let feed = [feedEnds.read, feedEnds.write]
        var command = Command(tar, arguments, environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"], directory: "/")
        command.descriptors = [input == nil ? -1 : feed[0], output[1], errors[1]]
        let child: ChildProcess
        do {
            child = try watcher().spawn(command)
        } catch {
            for descriptor in output + errors + feed { close(descriptor) }
            throw error
        }
        close(output[1])
        close(errors[1])
        close(feed[0])
        // Fed on a thread of its own while the answer is read, so that neither pipe fills.
        let writer = feed[1]
        let done = DispatchSemaphore(value: 0)
        if let input {
            Thread.detachNewThread {
                // A tar that stops reading must give this write EPIPE, not end Rostra: the
                // signal is blocked on this thread only, and goes with it.
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                input.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let written = write(writer, raw.baseAddress! + offset, raw.count - offset)
                        if written < 0 && errno == EINTR { continue }
                        if written <= 0 { break }
                        offset += written
                    }
                }
                close(writer)
                done.signal()
            }
        } else {
            close(writer)
            done.signal()
        }
        let errorText = AdaptiveMutex<[UInt8]>([])
        let errorsRead = DispatchSemaphore(value: 0)
        let errorEnd = errors[0]
        Thread.detachNewThread {
            errorText.withLock { $0 = readAll(errorEnd, limit: 4096) }
            close(errorEnd)
            errorsRead.signal()
        }
        let bytes = readAll(output[0], limit: Int.max)
        close(output[0])
        done.wait()
        errorsRead.wait()
        let ended = child.wait()!
        let status: Int32
        if case .exited(let code) = ended { status = code } else { status = 128 }
        return (status, bytes, errorText.withLock { $0 })
    }

    private static func firstLine(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "no message"
    }
}

/// A port claimed for an app not made yet (`AppSpace.claimEndpoint()`).
public final class PendingEndpoint: Sendable {
    let endpoint: SSHEndpoint
    let host: ContainerHost
    private let settled = Atomic<Bool>(false)

    init(endpoint: SSHEndpoint, host: ContainerHost) {
        self.endpoint = endpoint
        self.host = host
    }

    public var port: Int { endpoint.port }

    /// Starts accepting for the app's container; returns the port it listens on.
    @discardableResult
    public func attach(to container: AppContainer) -> Int? {
        guard settled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return nil }
        return container.attach(endpoint)
    }

    /// Gives the port back (the app was not made).
    public func release() {
        guard settled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        endpoint.close()
        host.release(port: endpoint.port)
    }

    deinit { release() }
}
