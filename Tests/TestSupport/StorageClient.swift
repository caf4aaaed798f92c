import Foundation

/// A client of a storage as an app is one: the engine's own command-line client over TCP
/// to 127.0.0.1, with the storage's user and password.
public enum StorageClient {
    public struct Answer {
        public let status: Int32
        public let output: String
        public let error: String
        public var succeeded: Bool { status == 0 }
    }

    /// Runs `sql` as `user` (engine "pgsql" or "mariadb") with `password` in `database` on 127.0.0.1:`port`.
    public static func run(_ engine: String, port: Int, user: String, password: String, database: String, sql: String) throws -> Answer {
        let process = Process()
        var environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        switch engine {
        case "pgsql":
            let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").filter { Int($0) != nil }
                .sorted { Int($0)! > Int($1)! }.first.map { "/usr/lib/postgresql/\($0)/bin/psql" } ?? "/usr/bin/psql"
            process.executableURL = URL(fileURLWithPath: bin)
            process.arguments = ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-c", sql]
            environment["PGPASSWORD"] = password
            environment["PGCONNECT_TIMEOUT"] = "5"
        default:
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

