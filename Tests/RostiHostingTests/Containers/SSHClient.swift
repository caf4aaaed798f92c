import Foundation
import Synchronization
import TestSupport

/// The real OpenSSH client tools (`ssh`, `scp`, `sftp`, `ssh-keygen`), run as a user runs
/// them, against an app's endpoint on 127.0.0.1.
struct SSHClient {
    /// Throwaway client keys, made once per test.
    final class Keys: Sendable {
        let directory: TemporaryDirectory

        init(_ types: [String] = ["ed25519"]) throws {
            directory = try TemporaryDirectory()
            for type in types {
                let (status, _, errors) = try SSHClient.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test-\(type)", "-f", path(type)])
                guard status == 0 else { throw Failure("ssh-keygen: \(errors)") }
            }
        }

        func path(_ type: String) -> String { directory.path("id_" + type) }

        func publicKey(_ type: String) throws -> String {
            try String(contentsOfFile: path(type) + ".pub", encoding: .utf8)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static let options = [
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
    ]

    let port: Int
    let identity: String
    var user = "app"

    /// `ssh -p PORT app@127.0.0.1 COMMAND` with `input` on its standard input.
    func ssh(_ command: String, input: [UInt8]? = nil, extra: [String] = []) throws -> (status: Int32, output: String, errors: String) {
        try Self.run("/usr/bin/ssh", Self.options + extra + ["-i", identity, "-p", String(port), "\(user)@127.0.0.1", command], input: input)
    }

    /// Runs a program and collects what it writes.
    static func run(_ program: String, _ arguments: [String], input: [UInt8]? = nil, timeout: Double = 60) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        let feed = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : feed
        try process.run()
        if let input {
            DispatchQueue.global().async {
                try? feed.fileHandleForWriting.write(contentsOf: Data(input))
                try? feed.fileHandleForWriting.close()
            }
        }
        let collected = DispatchGroup()
        let outputData = Mutex(Data())
        let errorData = Mutex(Data())
        DispatchQueue.global().async(group: collected) {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            outputData.withLock { $0 = data }
        }
        DispatchQueue.global().async(group: collected) {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
        }
        if collected.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw Failure("\(program) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData.withLock { $0 }, as: UTF8.self),
                String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }
}
