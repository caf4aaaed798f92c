#if canImport(Glibc)
import Glibc
#endif

/// What to start: a program, its arguments and environment, and which descriptors it gets.
public struct Command: Sendable {
    public var executable: String
    public var arguments: [String]
    /// The whole environment of the child (nothing is inherited unless put here).
    public var environment: [String: String]
    public var directory: String?
    /// The child's descriptors 0, 1, 2, …: descriptor `i` is `descriptors[i]` of this
    /// process, or /dev/null for -1. Nothing else is inherited.
    public var descriptors: [Int32] = [-1, -1, -1]
    /// Its own session and process group, so that stopping it reaches everything it
    /// started (and a terminal's signals do not).
    public var newSession = true
    /// Run as this user and group (supplementary groups dropped); needs privilege.
    public var identity: (uid: uid_t, gid: gid_t)?
    /// What the child gets when Rostra ends without stopping it (killed, or crashed): the
    /// program's own "shut down now" signal where it has one (PostgreSQL: SIGINT, its
    /// fast shutdown), SIGKILL otherwise.
    public var deathSignal: Int32 = SIGKILL
    /// What `ChildProcess.stop` sends first: SIGTERM for most programs; PostgreSQL's
    /// SIGTERM waits for idle clients without end, its SIGINT does not.
    public var stopSignal: Int32 = SIGTERM

    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:], directory: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
    }

    /// The command line as a person would type it, for messages and logs.
    public var description: String {
        ([executable] + arguments).map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}

/// How a child ended.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signalled(let number): return "killed by signal \(number)"
        }
    }

    public var isSuccess: Bool { self == .exited(0) }
}

/// A child that could not be started: the program is missing, not executable, …
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    public let command: String
    public let code: Int32

    public var description: String { "cannot start \(command): \(String(cString: strerror(code)))" }
}
