import Foundation
import Logging
import RostiHosting
import Testing
import TestSupport

/// Whether `engine` is installed here; tests of an engine run only where it is (CI installs
/// both: .ci/run).
func installed(_ engine: DatabaseEngine) -> Bool {
    if case .available = EngineInstallation.find(engine) { return true }
    return false
}

/// The engines that are installed, for tests parametrized over engines.
let installedEngines = DatabaseEngine.allCases.filter(installed)

/// A client of a storage as an app is one: the engine's own command-line client over TCP
/// to 127.0.0.1, with the storage's user and password.
enum StorageClient {
    struct Answer {
        let status: Int32
        let output: String
        let error: String
        var succeeded: Bool { status == 0 }
    }

    /// Runs `sql` as `user` with `password` in `database` on 127.0.0.1:`port`.
    static func run(_ engine: DatabaseEngine, port: Int, user: String, password: String, database: String, sql: String) throws -> Answer {
        let process = Process()
        var environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        switch engine {
        case .pgsql:
            let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").filter { Int($0) != nil }
                .sorted { Int($0)! > Int($1)! }.first.map { "/usr/lib/postgresql/\($0)/bin/psql" } ?? "/usr/bin/psql"
            process.executableURL = URL(fileURLWithPath: bin)
            process.arguments = ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql]
            environment["PGPASSWORD"] = password
            environment["PGCONNECT_TIMEOUT"] = "5"
        case .mariadb:
            process.executableURL = URL(fileURLWithPath: "/usr/bin/mariadb")
            process.arguments = ["--no-defaults", "-h", "127.0.0.1", "-P", "\(port)", "-u", user, "-N", "-B", "--connect-timeout=5", database, "-e", sql]
            environment["MYSQL_PWD"] = password
        }
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Answer(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                      error: String(decoding: errorData, as: UTF8.self))
    }
}

/// Logs for tests: warnings and worse to stderr.
let engineTestLogger: Logger = {
    var logger = Logger(label: "rostra-engines-tests")
    logger.logLevel = .warning
    return logger
}()

/// The processes whose command line mentions `text` (a test's own folder), to check that
/// nothing outlives the engines.
func processes(mentioning text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }
}
