#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport

/// The built `rostra` executable run as a user runs it: arguments, environment, its banner
/// on standard output, SIGTERM to stop.
final class RostraProcess {
    let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private(set) var banner = ""

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var seedDirectory: String { packageRoot.appendingPathComponent("seed-data").path }

    /// The executable is built beside the test binary (`.build/debug/rostra`).
    static func executable() throws -> URL {
        try BuiltProducts.executable(named: "rostra")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `launcher`: a command that runs the executable (its path is added after it), such as
    /// `unprivilegedLauncher`.
    init(_ arguments: [String], environment: [String: String] = [:], directory: URL, launcher: [String] = []) throws {
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [try Self.executable().path] + arguments
        } else {
            process.executableURL = try Self.executable()
            process.arguments = arguments
        }
        var inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ROSTRA_") }
        inherited.merge(environment) { $1 }
        process.environment = inherited
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// What runs the executable as a user without privileges: permissions mean nothing to
    /// root, and tests (and CI) often run as root. `setpriv` (util-linux) as `nobody` then;
    /// nothing for anyone else, who meets permissions already.
    static var unprivilegedLauncher: [String] {
        geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    }

    /// Runs to completion: (exit status, standard output, standard error).
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: URL, launcher: [String] = []
    ) throws -> (Int32, String, String) {
        let running = try RostraProcess(arguments, environment: environment, directory: directory, launcher: launcher)
        let out = running.output.fileHandleForReading.readDataToEndOfFile()
        let err = running.errors.fileHandleForReading.readDataToEndOfFile()
        running.process.waitUntilExit()
        return (running.process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Reads standard output until the banner is complete; returns the port of each API.
    func waitForBanner() throws -> (rosti: Int, rosa: Int) {
        let handle = output.fileHandleForReading
        while !banner.contains("Seed credentials") {
            let data = handle.availableData
            if data.isEmpty { throw Failure(description: "rostra ended before its banner: \(banner)") }
            banner += String(decoding: data, as: UTF8.self)
        }
        func port(after title: String) throws -> Int {
            guard let line = banner.split(separator: "\n").first(where: { $0.contains(title) }),
                  let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }),
                  let port = Int(url.split(separator: ":").last!.filter(\.isNumber))
            else { throw Failure(description: "no \(title) in \(banner)") }
            return port
        }
        return (try port(after: "Rosti API"), try port(after: "Rosa File Store API"))
    }

    /// What the process wrote to standard error, by line (read once it has ended).
    func standardErrorLines() -> [String] {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// One GET with `Connection: close` on a fresh socket: (status, body).
    static func get(port: Int, path: String, headers: [String: String] = [:]) throws -> (Int, String) {
        let fields = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        return try exchange(port: port, request: Array("GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\(fields)\r\n".utf8))
    }

    /// Sends raw request bytes on a fresh socket and reads to the close: (status, body).
    static func exchange(port: Int, request: [UInt8]) throws -> (Int, String) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to port \(port)") }
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while case let count = chunk.withUnsafeMutableBytes({ recv(descriptor, $0.baseAddress, $0.count, 0) }), count > 0 {
            received += chunk[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }
}
