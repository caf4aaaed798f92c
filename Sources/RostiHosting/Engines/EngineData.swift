import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// An engine's folder beside a persistent state: `<database>-engines/<engine>`.
enum EngineFolder {
    /// The engine's folder (made, the engine user's, 0700), resolved. When Rostra is root
    /// and the engine user cannot reach `folder` (under /root, mode 0700), the engine's
    /// folder goes to `/var/lib/rostra/engines/<hash of folder>/<engine>` and
    /// `<folder>/<engine>` becomes a link to it.
    static func persistent(
        for engine: DatabaseEngine, in folder: String, installation: EngineInstallation, context: EngineContext
    ) throws -> String {
        try EngineFiles.makeDirectory(folder, mode: 0o755, owner: nil)
        let engines = EngineFiles.resolved(folder)
        let link = engines + "/" + engine.rawValue
        let owner = installation.switchesUser ? installation.account : nil
        var directory = link
        var isLink = false
        if let attributes = try? FileManager.default.attributesOfItem(atPath: link), attributes[.type] as? FileAttributeType == .typeSymbolicLink {
            isLink = true
            directory = EngineFiles.resolved(link)
        }
        if let owner, !isLink, !(try reachable(engines, by: owner, context: context)) {
            removeAbandonedFallbacks(logger: context)
            let fallback = "\(fallbackRoot)/\(NameTag.hex(of: engines))"
            try EngineFiles.makeDirectory(fallback, mode: 0o755, owner: nil)
            try EngineFiles.write(engines + "\n", to: fallback + "/origin")
            directory = fallback + "/" + engine.rawValue
            EngineFiles.remove(link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory)
            context.logger.notice(
                "\(engine.productName): the user \(owner.name) cannot reach \(engines) (a folder above it is closed to others); its data is in \(directory), linked from \(link)")
        }
        try EngineFiles.makeDirectory(directory, mode: 0o700, owner: owner)
        return EngineFiles.resolved(directory)
    }

    static let fallbackRoot = "/var/lib/rostra/engines"

    /// Fallback folders whose state is gone (its folder was deleted, or no longer links
    /// here) and whose servers do not run: removed, so that throwaway states under closed
    /// folders (`mktemp -d` makes them 0700) leave nothing behind for good.
    static func removeAbandonedFallbacks(logger context: EngineContext) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: fallbackRoot)) ?? [] {
            let folder = fallbackRoot + "/" + entry
            guard let origin = EngineFiles.read(folder + "/origin")?.trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
            let stillLinked = DatabaseEngine.allCases.contains { engine in
                EngineFiles.resolved(origin + "/" + engine.rawValue) == EngineFiles.resolved(folder + "/" + engine.rawValue)
                    && EngineFiles.exists(origin + "/" + engine.rawValue)
            }
            let running = DatabaseEngine.allCases.contains { engine in
                EngineFiles.read("\(folder)/\(engine.rawValue)/rostra-owner")?.split(whereSeparator: { $0 == " " || $0 == "\n" })
                    .compactMap { pid_t($0) }.contains(where: EngineFiles.isRunning) ?? false
            }
            guard !stillLinked, !running else { continue }
            context.logger.info("removing \(folder): the engines of \(origin), which is gone")
            EngineFiles.remove(folder)
        }
    }

    /// Whether `account` can pass through every folder down to `path` and write in it.
    static func reachable(_ path: String, by account: OSAccount, context: EngineContext) throws -> Bool {
        var command = context.prepared(Command("/usr/bin/test", ["-x", path]))
        command.identity = (uid: account.uid, gid: account.gid)
        command.directory = "/"
        return try ProgramRun.run(command, watcher: context.watcher(), timeout: context.limits.adminCall).termination.isSuccess
    }
}

/// Makes an engine's data directory when there is none: a copy of the per-machine template
/// (made once by initdb or mariadb-install-db, which take 1–6 s here, while a copy takes
/// 0.1–1 s), so that the first storage of a new state is ready within seconds.
struct EngineData {
    let dialect: any EngineDialect
    let installation: EngineInstallation
    let layout: EngineLayout
    let context: EngineContext

    /// What the template's format depends on besides the engine's version and user: bumped
    /// when Rostra makes data directories differently.
    static let templateFormat = 1

    func prepare() throws {
        guard !dialect.holdsData(layout.data) else { return }
        EngineFiles.remove(layout.dataBeingMade)
        let template = try templateFolder() + "/data"
        if dialect.holdsData(template) {
            try copy(template, to: layout.dataBeingMade)
        } else {
            try make(at: layout.dataBeingMade)
            try store(layout.dataBeingMade, asTemplate: (template as NSString).deletingLastPathComponent)
        }
        EngineFiles.remove(layout.data)
        guard rename(layout.dataBeingMade, layout.data) == 0 else { throw EngineFiles.systemError("rename \(layout.dataBeingMade)") }
    }

    /// `<cache>/<engine>-<version>-<engine user>-<format>`.
    private func templateFolder() throws -> String {
        "\(context.templateCache)/\(layout.engine.rawValue)-\(try version())-\(installation.account.name)-\(Self.templateFormat)"
    }

    /// PostgreSQL's major version (its data format); MariaDB's whole version (its system
    /// tables change between releases).
    private func version() throws -> String {
        if let major = installation.programs.majorVersion { return major }
        let run = try ProgramRun.run(
            context.prepared(Command(installation.programs.server, ["--version"])), watcher: context.watcher(),
            timeout: context.limits.adminCall)
        let text = run.outputText
        guard let range = text.range(of: #"Ver [0-9.]+"#, options: .regularExpression) else {
            throw EngineError.failed("\(installation.programs.server) --version", text + run.errorText)
        }
        return String(text[range].dropFirst(4))
    }

    private func make(at path: String) throws {
        let owner = installation.switchesUser ? installation.account : nil
        if layout.engine == .mariadb { try EngineFiles.makeDirectory(path, mode: 0o700, owner: owner) }
        for (command, input) in dialect.commandsMakingData(at: path, environment: EngineContext.environment) {
            var command = command
            command.identity = owner.map { (uid: $0.uid, gid: $0.gid) }
            command.directory = layout.directory
            let run = try ProgramRun.run(command, input: input, watcher: context.watcher(), timeout: context.limits.dataMaking)
            guard run.termination.isSuccess else {
                EngineFiles.remove(path)
                throw EngineError.failed("\(command.description) (\(run.termination))", run.errorText.isEmpty ? run.outputText : run.errorText)
            }
        }
    }

    /// Copies a fresh data directory into the cache: beside its final name first, then
    /// renamed into place, so a half-made template is never used. Losing a race to another
    /// Rostra making the same one is fine: that one is used.
    private func store(_ data: String, asTemplate folder: String) throws {
        let cache = (folder as NSString).deletingLastPathComponent
        do {
            try EngineFiles.makeDirectory(cache, mode: 0o755, owner: nil)
            var pattern = Array((folder + ".XXXXXX").utf8CString)
            guard let made = mkdtemp(&pattern) else { throw EngineFiles.systemError("mkdtemp \(folder)") }
            let staging = String(cString: made)
            _ = chmod(staging, 0o755)
            defer { EngineFiles.remove(staging) }
            try copy(data, to: staging + "/data")
            // Made without fsyncs (initdb --no-sync): written to disk once, here, as it will
            // be copied for every new state from now on.
            _ = try? ProgramRun.run(context.prepared(Command("/bin/sync", ["-f", staging + "/data"])), watcher: context.watcher(),
                                    timeout: context.limits.dataMaking)
            if rename(staging, folder) != 0 && errno != ENOTEMPTY && errno != EEXIST {
                throw EngineFiles.systemError("rename \(staging)")
            }
        } catch {
            // Without a template the next state makes its data from scratch: slower, not wrong.
            context.logger.warning("\(layout.engine.productName): cannot keep a template in \(cache): \(error)")
        }
    }

    /// `cp -a` (owners kept when root; a clone on file systems that have them).
    private func copy(_ source: String, to target: String) throws {
        let command = context.prepared(Command("/bin/cp", ["-a", "--reflink=auto", source, target]))
        let run = try ProgramRun.run(command, watcher: context.watcher(), timeout: context.limits.dataMaking)
        guard run.termination.isSuccess else {
            EngineFiles.remove(target)
            throw EngineError.failed(command.description, run.errorText)
        }
    }
}
