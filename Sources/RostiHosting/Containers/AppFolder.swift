import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// One app's folder on the host and what Rostra writes into it:
///
///     <apps>/<id>/            Rostra's (0711: an app's own uid may pass, not look)
///       srv/                  the app's whole state, /srv inside
///       sys/                  /run/rostra inside, read-only there: sshd_config, host keys,
///                             authorized_keys (the API's ssh_keys), passwd, group, init.sh,
///                             supervisord.conf, nginx.conf, app_port, bin/ (/usr/local/bin: rosti, crontab),
///                             techs/ (/opt/techs), examples/ (/opt/examples)
///       tmp/                  /tmp inside
///       spool/                /var/spool/cron/crontabs inside (where `crontab` installs)
///       container.log         the sandbox's own output (bubblewrap, init.sh)
///       ssh.log               sshd's errors, one file for every session
///
/// Only `srv/` and the host keys are the app's data (exports carry them); the rest is
/// written again at every start of the container.
struct AppFolder: Sendable {
    let path: String
    /// The space whose folder this one is in, made first when missing.
    weak var space: AppSpace?
    var srv: String { path + "/srv" }
    var sys: String { path + "/sys" }
    var tmp: String { path + "/tmp" }
    var spool: String { path + "/spool" }
    var containerLog: String { path + "/container.log" }
    var sshLog: String { path + "/ssh.log" }
    var authorizedKeys: String { sys + "/authorized_keys" }

    /// The names host key files have in `sys/`.
    static func hostKeyFiles(_ types: [String]) -> [String] {
        types.flatMap { ["ssh_host_\($0)_key", "ssh_host_\($0)_key.pub"] }
    }

    /// What a container start writes, from the app's settings and the machine.
    struct Settings: Sendable {
        var hostname: String
        var keys: [String]
        var owner: FileOwner?
        var techs: [MachineTech]
        var hostKeyTypes: [String]
        /// How long the container's `supervisorctl` waits for supervisord to listen.
        var supervisordStartSeconds: Double
        var appPort = AppContainer.defaultAppPort
    }

    /// Makes the folders and writes every file Rostra owns; host keys only when missing.
    func prepare(_ settings: Settings, sshKeygen: String, watcher: ProcessWatcher) throws {
        let owner = settings.owner
        _ = try space?.root()
        // An import, or a port that changed, hands an existing folder to a new uid.
        let handedOver = owner.map { owner in [srv, tmp, spool].contains { HostFiles.exists($0) && HostFiles.owner(of: $0) != owner } } ?? false
        try HostFiles.makeDirectory(path, mode: 0o711, owner: nil)
        try HostFiles.makeDirectory(srv, mode: 0o755, owner: owner)
        try HostFiles.makeDirectory(sys, mode: 0o755, owner: owner)
        try HostFiles.makeDirectory(sys + "/bin", mode: 0o755, owner: owner)
        try HostFiles.makeDirectory(tmp, mode: 0o1777, owner: owner)
        try HostFiles.makeDirectory(spool, mode: 0o755, owner: owner)
        if let owner, handedOver {
            try HostFiles.changeOwner(srv, to: owner)
            try HostFiles.changeOwner(tmp, to: owner)
            try HostFiles.changeOwner(spool, to: owner)
        }
        for (name, bytes, mode) in Self.staticFiles {
            try HostFiles.write(bytes, to: sys + "/" + name, mode: mode, owner: owner)
        }
        try HostFiles.write(
            "app:x:1000:1000:app:/srv:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            to: sys + "/passwd", mode: 0o644, owner: owner)
        // Rosti's app is in group crontab too.
        try HostFiles.write("app:x:1000:\ncrontab:x:1000:app\nnogroup:x:65534:\n", to: sys + "/group", mode: 0o644, owner: owner)
        try HostFiles.write(
            "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n",
            to: sys + "/nsswitch.conf", mode: 0o644, owner: owner)
        try HostFiles.write(settings.hostname + "\n", to: sys + "/hostname", mode: 0o644, owner: owner)
        try HostFiles.write(
            String(Int(settings.supervisordStartSeconds.rounded(.up))) + "\n", to: sys + "/supervisord_start_seconds", mode: 0o644,
            owner: owner)
        // /run/rostra/app_port: where `rosti` points the app's nginx.
        try HostFiles.write("\(settings.appPort)\n", to: sys + "/app_port", mode: 0o644, owner: owner)
        try writeKeys(settings.keys, owner: owner)
        try writeTechs(settings.techs, owner: owner)
        try makeHostKeys(settings.hostKeyTypes, owner: owner, sshKeygen: sshKeygen, watcher: watcher)
    }

    /// Everything of `sys/` but the host keys (which `prepare` writes again), for a rebuild.
    func removeGeneratedFiles(keepingHostKeys types: [String]) throws {
        let kept = Set(Self.hostKeyFiles(types))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: sys) else { return }
        for name in names where !kept.contains(name) { try HostFiles.removeTree(sys + "/" + name) }
    }

    /// The API's keys as sshd's `authorized_keys`, one key a line. A key given with line
    /// breaks (a `.pub` file's text ends with one) becomes its lines; blank and comment lines
    /// go.
    func writeKeys(_ keys: [String], owner: FileOwner?) throws {
        try HostFiles.write(Self.authorizedKeysText(keys), to: authorizedKeys, mode: 0o600, owner: owner)
    }

    static func authorizedKeysText(_ keys: [String]) -> String {
        // A closure, not the key path `\.isNewline`: a key path takes the address of the
        // standard library's getter, and the dynamic loader warns on standard error about
        // that in the non-PIE debug executable (a line that is not the JSON log's).
        let lines = keys.flatMap { $0.split { $0.isNewline } }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return lines.map { $0 + "\n" }.joined()
    }

    /// `/opt/techs/<name>-<version>/bin/` of links to the machine's programs, and the
    /// example apps of the techs Rostra has one for.
    private func writeTechs(_ techs: [MachineTech], owner: FileOwner?) throws {
        let techsFolder = sys + "/techs"
        try? HostFiles.removeTree(techsFolder)
        try HostFiles.makeDirectory(techsFolder, mode: 0o755, owner: owner)
        for tech in techs {
            try HostFiles.makeDirectory(techsFolder + "/" + tech.folderName, mode: 0o755, owner: owner)
            let bin = techsFolder + "/" + tech.folderName + "/bin"
            try HostFiles.makeDirectory(bin, mode: 0o755, owner: owner)
            for program in tech.programs { try HostFiles.link(bin + "/" + program.name, to: program.path, owner: owner) }
        }
        let examples = sys + "/examples"
        try? HostFiles.removeTree(examples)
        try HostFiles.makeDirectory(examples, mode: 0o755, owner: owner)
        for (tech, files) in Self.examples where Self.alwaysPresentExamples.contains(tech) || techs.contains(where: { $0.name == tech }) {
            try HostFiles.makeDirectory(examples + "/" + tech, mode: 0o755, owner: owner)
            for (name, bytes) in files { try HostFiles.write(bytes, to: examples + "/" + tech + "/" + name, mode: 0o644, owner: owner) }
        }
    }

    /// The app's sshd host keys, made once (ssh-keygen) and kept: a client that saved them
    /// in known_hosts keeps trusting the app across restarts, exports and imports.
    private func makeHostKeys(_ types: [String], owner: FileOwner?, sshKeygen: String, watcher: ProcessWatcher) throws {
        for type in types {
            let key = sys + "/ssh_host_\(type)_key"
            if HostFiles.exists(key) && HostFiles.exists(key + ".pub") {
                if let owner, HostFiles.owner(of: key) != owner {
                    lchown(key, owner.uid, owner.gid)
                    lchown(key + ".pub", owner.uid, owner.gid)
                }
                continue
            }
            unlink(key)
            unlink(key + ".pub")
            var command = Command(sshKeygen, ["-q", "-t", type, "-N", "", "-C", "rostra-app", "-f", key], environment: ["PATH": "/usr/bin:/bin"])
            command.descriptors = [-1, -1, -1]
            let child = try watcher.spawn(command)
            guard let ended = child.wait(timeout: .seconds(60)), ended.isSuccess else {
                child.signal(SIGKILL)
                throw HostFileError(operation: "ssh-keygen -t \(type)", path: key, code: EIO)
            }
            if let owner {
                lchown(key, owner.uid, owner.gid)
                lchown(key + ".pub", owner.uid, owner.gid)
            }
        }
    }

    // MARK: The files

    /// Files of `sys/` that are the same for every app: name, contents, mode.
    static let staticFiles: [(String, [UInt8], mode_t)] = [
        ("init.sh", PackageResources.init_sh, 0o755),
        ("sshd_config", PackageResources.sshd_config, 0o644),
        ("supervisord.conf", PackageResources.supervisord_conf, 0o644),
        ("nginx.conf", PackageResources.nginx_conf, 0o644),
        ("bashrc", PackageResources.bashrc, 0o644),
        ("bash_profile", PackageResources.bash_profile, 0o644),
        // /usr/local/bin inside: Rosti's tool, `crontab` ahead of Debian's setgid one, and
        // `supervisorctl` ahead of Debian's, waiting for the container's supervisord.
        ("bin/crontab", PackageResources.crontab_sh, 0o755),
        ("bin/supervisorctl", PackageResources.supervisorctl_sh, 0o755),
        ("bin/rosti", PackageResources.rosti_sh, 0o755),
    ]

    /// What is in /opt/examples whatever the machine's techs: the welcome page and the
    /// container's nginx (its server block and its supervisord program), which init.sh
    /// copies into /srv/conf when missing, as Rosti's start.sh does.
    static let alwaysPresentExamples: Set<String> = ["default", "nginx"]

    /// The example apps `rosti <tech>` copies into a missing /srv/app, by tech, and the
    /// always present ones.
    static let examples: [(String, [(String, [UInt8])])] = [
        ("default", [("index.html", PackageResources.welcome_html)]),
        ("nginx", [("default.conf", PackageResources.nginx_default_conf), ("supervisor.conf", PackageResources.nginx_supervisor_conf)]),
        ("python", [("app.py", PackageResources.example_python_app_py), ("supervisor.conf", PackageResources.example_python_supervisor_conf)]),
        ("node", [
            ("index.js", PackageResources.example_node_index_js), ("package.json", PackageResources.example_node_package_json),
            ("supervisor.conf", PackageResources.example_node_supervisor_conf),
        ]),
    ]
}
