import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TestSupport

/// The real OpenSSH client tools (`ssh`, `scp`, `sftp`, `ssh-keygen`), run as a user runs
/// them, against an app's endpoint on 127.0.0.1.
public struct SSHClient {
    /// Throwaway client keys, made once per test.
    public final class Keys: Sendable {
        public let directory: TemporaryDirectory

        public init(_ types: [String] = ["ed25519"]) throws {
            directory = try TemporaryDirectory()
            for type in types {
                let (status, _, errors) = try SSHClient.run("/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "test-\(type)", "-f", path(type)])
                guard status == 0 else { throw Failure("ssh-keygen: \(errors)") }
            }
        }

        public func path(_ type: String) -> String { directory.path("id_" + type) }

        public func publicKey(_ type: String) throws -> String {
            try String(contentsOfFile: path(type) + ".pub", encoding: .utf8)
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static let options = [
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
    ]

    public let port: Int
    public let identity: String
    public var user = "app"

    public init(port: Int, identity: String) {
        self.port = port
        self.identity = identity
    }

    /// `ssh -p PORT app@127.0.0.1 COMMAND` with `input` on its standard input.
    public func ssh(_ command: String, input: [UInt8]? = nil, extra: [String] = []) throws -> (status: Int32, output: String, errors: String) {
        try Self.run("/usr/bin/ssh", Self.options + extra + ["-i", identity, "-p", String(port), "\(user)@127.0.0.1", command], input: input)
    }

    /// Runs a program and collects what it writes.
    public static func run(_ program: String, _ arguments: [String], input: [UInt8]? = nil, timeout: Double = 60) throws -> (Int32, String, String) {
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

/// Whether a TCP connection to 127.0.0.1:`port` is refused (nothing listens).
public func isRefused(_ port: Int) -> Bool {
    let (connected, error) = connectToLoopback(port)
    return !connected && error == ECONNREFUSED
}

/// Whether a TCP connection to 127.0.0.1:`port` is accepted (something listens).
public func accepts(_ port: Int) -> Bool { connectToLoopback(port).connected }

private func connectToLoopback(_ port: Int) -> (connected: Bool, error: Int32) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return (result == 0, result == 0 ? 0 : errno)
}

/// The members of a tar archive, as `tar --list` names them (a folder without its `/`).
public func tarListing(_ archive: String) throws -> Set<String> {
    let (status, output, errors) = try SSHClient.run("/usr/bin/tar", ["--list", "--file=\(archive)"])
    guard status == 0 else { throw RawClientError(description: "tar --list \(archive): \(errors)") }
    return Set(output.split(separator: "\n").map { String($0.hasSuffix("/") ? $0.dropLast() : $0) })
}
