import ArgumentParser
import Foundation

/// Every option also reads from an environment variable (containers and CI configure
/// through the environment); a flag given on the command line wins.
enum EnvironmentDefault {
    static func string(_ variable: String) -> String? {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A port from the environment; a value that is not a port is an error, not ignored.
    static func port(_ variable: String) throws -> Int? {
        guard let text = string(variable) else { return nil }
        guard let port = Int(text), (0...65535).contains(port) else {
            throw ValidationError("\(variable)=\(text) is not a port number (0–65535).")
        }
        return port
    }
}

/// A failure while running (not a mistake in the arguments): printed as `Error: …` with no
/// usage text, and the process exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
