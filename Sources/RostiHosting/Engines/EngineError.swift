/// What went wrong with an engine, in words a person can act on.
public enum EngineError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A program could not be started at all.
    case cannotRun(String, String)
    /// A program ran past its time limit and was killed.
    case timedOut(String, Duration)
    /// A program ended badly: its command line and what it said.
    case failed(String, String)
    /// The server did not become ready; `log` is the end of its log.
    case notReady(DatabaseEngine, reason: String, log: String)
    /// The engine is not installed (or its system user is missing).
    case notInstalled(DatabaseEngine, install: String)
    /// Taken down on purpose (`POST /__admin/engines/{engine}/down`).
    case down(DatabaseEngine)
    /// A name that cannot be a database or user name of ours.
    case invalidName(String)
    /// Files of the engine that Rostra cannot use (the state folder out of the engine
    /// user's reach, another Rostra's server on the same data).
    case unusable(DatabaseEngine, String)
    /// Rostra is shutting down.
    case closed

    public var description: String {
        switch self {
        case .cannotRun(let command, let reason): return "cannot run \(command): \(reason)"
        case .timedOut(let command, let limit): return "\(command) did not finish within \(limit)"
        case .failed(let command, let output): return "\(command) failed: \(output)"
        case .notReady(let engine, let reason, let log):
            return "\(engine.productName) did not start: \(reason)" + (log.isEmpty ? "" : "; its log ends with: \(log)")
        case .notInstalled(let engine, let install): return "\(engine.productName) is not installed (\(install))"
        case .down(let engine):
            return "\(engine.productName) is down (taken down through the admin API; POST /__admin/engines/\(engine.rawValue)/up)"
        case .invalidName(let name): return "\(name) is not a database name Rostra makes ([a-z0-9_], 1 to 63 characters)"
        case .unusable(let engine, let reason): return "\(engine.productName): \(reason)"
        case .closed: return "the engines are stopping with Rostra"
        }
    }
}
