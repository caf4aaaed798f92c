import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// A language runtime of this machine that an app can make its primary tech, as Rosti's
/// `/opt/techs/<name>-<version>`: Rostra's containers use the machine's own programs
/// (read-only), so the techs are what is installed here.
public struct MachineTech: Sendable, Equatable {
    public let name: String
    public let version: String
    /// The programs of `bin/`: name there → path on the machine.
    public let programs: [(name: String, path: String)]

    public static func == (left: MachineTech, right: MachineTech) -> Bool {
        left.name == right.name && left.version == right.version
            && left.programs.map(\.name) == right.programs.map(\.name) && left.programs.map(\.path) == right.programs.map(\.path)
    }

    /// `python-3.11.2`, the folder name under `/opt/techs`.
    public var folderName: String { "\(name)-\(version)" }

    /// What is looked for: the tech's name, its main program, how to ask it its version,
    /// and the other programs its `bin/` gets when they are installed.
    struct Kind {
        let name: String
        let program: String
        let versionArguments: [String]
        /// Names in `bin/` and the program each is, found beside the main one.
        let companions: [(name: String, program: String)]
    }

    static let kinds = [
        Kind(name: "python", program: "python3", versionArguments: ["-c", "import platform; print(platform.python_version())"],
             companions: [("python3", "python3"), ("python", "python3"), ("pip3", "pip3"), ("pip", "pip3")]),
        Kind(name: "node", program: "node", versionArguments: ["--version"],
             companions: [("node", "node"), ("npm", "npm"), ("npx", "npx"), ("corepack", "corepack")]),
        Kind(name: "php", program: "php", versionArguments: ["-r", "echo PHP_VERSION;"],
             companions: [("php", "php"), ("composer", "composer")]),
        Kind(name: "ruby", program: "ruby", versionArguments: ["-e", "print RUBY_VERSION"],
             companions: [("ruby", "ruby"), ("gem", "gem"), ("irb", "irb"), ("bundle", "bundle")]),
        Kind(name: "deno", program: "deno", versionArguments: ["eval", "console.log(Deno.version.deno)"],
             companions: [("deno", "deno")]),
    ]

    /// The techs installed in `directories` (only under /usr, which a container sees), each
    /// asked its version once.
    static func detect(in directories: [String], watcher: ProcessWatcher) -> [MachineTech] {
        let visible = directories.filter { $0.hasPrefix("/usr/") }
        func find(_ program: String) -> String? {
            visible.lazy.map { $0 + "/" + program }.first { access($0, X_OK) == 0 }
        }
        var techs: [MachineTech] = []
        for kind in kinds {
            guard let main = find(kind.program), let version = ask(main, kind.versionArguments, watcher: watcher) else { continue }
            let programs = kind.companions.compactMap { companion in find(companion.program).map { (name: companion.name, path: $0) } }
            techs.append(MachineTech(name: kind.name, version: version, programs: programs))
        }
        return techs
    }

    /// The version a program prints, `v` dropped; nil when it fails or prints nothing usable.
    private static func ask(_ program: String, _ arguments: [String], watcher: ProcessWatcher) -> String? {
        guard let pipeEnds = makePipe() else { return nil }
        let ends = [pipeEnds.read, pipeEnds.write]
        var command = Command(program, arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "NO_COLOR": "1"], directory: "/")
        command.descriptors = [-1, ends[1], -1]
        guard let child = try? watcher.spawn(command) else {
            close(ends[0])
            close(ends[1])
            return nil
        }
        close(ends[1])
        let deadline = ContinuousClock.now + .seconds(20)
        let output = readAll(ends[0], limit: 256, until: deadline)
        close(ends[0])
        guard child.wait(timeout: max(.zero, ContinuousClock.now.duration(to: deadline))) == .exited(0) else {
            child.signal(SIGKILL)
            return nil
        }
        var version = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if version.hasPrefix("v") { version.removeFirst() }
        guard !version.isEmpty, version.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0.isLetter }) else { return nil }
        return version
    }

    /// Reads an app's primary tech from where `rosti` leaves it: `/srv/bin/primary_tech`, a
    /// link to `/opt/techs/<name>-<version>/bin`, split at the first `-` (as the reference
    /// reads Rosti's). nil when there is no such link.
    public static func primaryTech(linkTarget: String?) -> (name: String, version: String)? {
        guard let target = linkTarget, target.hasPrefix("/opt/techs/") else { return nil }
        let folder = target.dropFirst("/opt/techs/".count).split(separator: "/").first.map(String.init) ?? ""
        guard let dash = folder.firstIndex(of: "-") else { return nil }
        return (String(folder[..<dash]), String(folder[folder.index(after: dash)...]))
    }
}
