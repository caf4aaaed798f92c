/// One real program a plug-in's hosting plane runs (sshd, bubblewrap, supervisord, a
/// database server), and whether it can: what the banner, `GET /__admin/health` and the
/// dashboard show, so that a missing part is named with the command that installs it while
/// the APIs keep working.
public struct RealPart: Sendable, Equatable {
    public enum Availability: Sendable, Equatable {
        /// Found and usable; `detail` says which (a path, a version).
        case available(detail: String)
        /// Not installed: `install` is the command that installs it (`apt-get install -y …`).
        case missing(install: String)
        /// Installed but refused here (e.g. unprivileged user namespaces switched off):
        /// `reason` says what was refused, `remedy` what to do.
        case refused(reason: String, remedy: String)
    }

    /// A short name: "bubblewrap", "OpenSSH server", "PostgreSQL".
    public let name: String
    /// What needs it, in words: "app containers (SSH deploys)".
    public let neededFor: String
    public let availability: Availability

    public init(name: String, neededFor: String, availability: Availability) {
        self.name = name
        self.neededFor = neededFor
        self.availability = availability
    }

    public var isAvailable: Bool {
        if case .available = availability { return true }
        return false
    }

    /// One line for people: "PostgreSQL (storages of engine pgsql): missing — apt-get install -y postgresql".
    public var summary: String {
        switch availability {
        case .available(let detail): return "\(name) (\(neededFor)): \(detail)"
        case .missing(let install): return "\(name) (\(neededFor)): missing — \(install)"
        case .refused(let reason, let remedy): return "\(name) (\(neededFor)): \(reason) — \(remedy)"
        }
    }
}
