import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's programs an app container is made of, where they were found: bubblewrap for
/// the sandbox, OpenSSH's sshd for each connection, supervisord inside, util-linux's
/// `nsenter` and `setpriv` to enter the sandbox, `ssh-keygen` for host keys, `tar` for
/// exports, pasta for each app's network, nginx for each app's front on 8000. Found once, by looking at files (no program is run).
public struct ContainerTools: Sendable, Equatable {
    /// One program and the Debian package that has it.
    public struct Program: Sendable, Equatable {
        public let command: String
        public let package: String
        /// The part it belongs to, as people call it.
        public let part: String

        public init(command: String, package: String, part: String) {
            self.command = command
            self.package = package
            self.part = part
        }
    }

    public static let bwrap = Program(command: "bwrap", package: "bubblewrap", part: "bubblewrap")
    public static let sshd = Program(command: "sshd", package: "openssh-server", part: "OpenSSH server")
    public static let sshKeygen = Program(command: "ssh-keygen", package: "openssh-client", part: "OpenSSH client tools")
    public static let supervisord = Program(command: "supervisord", package: "supervisor", part: "supervisor")
    public static let supervisorctl = Program(command: "supervisorctl", package: "supervisor", part: "supervisor")
    public static let nsenter = Program(command: "nsenter", package: "util-linux", part: "util-linux")
    public static let setpriv = Program(command: "setpriv", package: "util-linux", part: "util-linux")
    public static let tar = Program(command: "tar", package: "tar", part: "GNU tar")
    public static let bash = Program(command: "bash", package: "bash", part: "bash")
    /// The network of each app (its own namespace, reached from the host's loopback).
    public static let pasta = Program(command: "pasta", package: "passt", part: "pasta")
    /// The front inside each container (on 8000), as in Rosti's runtime.
    public static let nginx = Program(command: "nginx", package: "nginx-light", part: "nginx")

    /// Everything a container needs, in the order the parts are reported.
    public static let needed = [bwrap, sshd, sshKeygen, supervisord, supervisorctl, nsenter, setpriv, tar, bash, pasta, nginx]

    /// Where each found program is, by command name.
    public let paths: [String: String]

    public init(paths: [String: String]) {
        self.paths = paths
    }

    /// The programs found in `directories`, the first hit of each.
    public static func find(in directories: [String]) -> ContainerTools {
        var paths: [String: String] = [:]
        for program in needed where paths[program.command] == nil {
            for directory in directories {
                let candidate = directory + "/" + program.command
                if access(candidate, X_OK) == 0 {
                    paths[program.command] = candidate
                    break
                }
            }
        }
        return ContainerTools(paths: paths)
    }

    /// The PATH of this process, then the system's program folders: an ordinary user's PATH
    /// on Debian has no /usr/sbin, where sshd is.
    public static var defaultSearchDirectories: [String] {
        let fromEnvironment = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        var directories: [String] = []
        for directory in fromEnvironment + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        where directory.hasPrefix("/") && !directories.contains(directory) {
            directories.append(directory)
        }
        return directories
    }

    public subscript(program: Program) -> String? { paths[program.command] }

    /// The programs that were not found.
    public var missing: [Program] { Self.needed.filter { paths[$0.command] == nil } }

    /// `apt-get install -y …` for the missing programs' packages, each named once.
    public var installCommand: String? {
        var packages: [String] = []
        for program in missing where !packages.contains(program.package) { packages.append(program.package) }
        return packages.isEmpty ? nil : "apt-get install -y " + packages.joined(separator: " ")
    }
}
