import Arguments
import Emulator
import Foundation
import HTTP
import Primitives

/// The host and port options, which `serve` and `health` share, each with its own help.
struct ListeningOptions {
    static let defaultHost = "127.0.0.1"
    static let defaultPorts: [EmulatedAPI: Int] = [.rosti: 8000, .rosa: 8001]

    let host: OptionSpec
    let rostiPort: OptionSpec
    let rosaPort: OptionSpec
    /// Ports a value may name: `serve` may listen on 0 (any free port), `health` connects.
    let ports: ClosedRange<Int>

    init(hostHelp: String, shownHostDefault: String, portHelp: (String) -> String, ports: ClosedRange<Int>) {
        host = OptionSpec("host", .value(valueName: "address"), help: hostHelp,
                          environment: EnvironmentFallback("ROSTRA_HOST"), shownDefault: shownHostDefault)
        rostiPort = OptionSpec("rosti-port", .value(valueName: "port"), help: portHelp("Rosti API"),
                               environment: EnvironmentFallback("ROSTRA_ROSTI_PORT"), shownDefault: "\(Self.defaultPorts[.rosti]!)")
        rosaPort = OptionSpec("rosa-port", .value(valueName: "port"), help: portHelp("Rosa File Store API"),
                              environment: EnvironmentFallback("ROSTRA_ROSA_PORT"), shownDefault: "\(Self.defaultPorts[.rosa]!)")
        self.ports = ports
    }

    var all: [OptionSpec] { [host, rostiPort, rosaPort] }

    /// The host and ports: each flag, else its environment variable, else the default.
    func addresses(from arguments: ParsedArguments) throws(UsageError) -> ListeningAddresses {
        let expected = ports.lowerBound == 0 ? "a port number (0–65535)" : "a port to connect to (1–65535)"
        func port(_ option: OptionSpec, of api: EmulatedAPI) throws(UsageError) -> Int {
            try arguments.value(option, expected: expected) { Int($0).flatMap { ports.contains($0) ? $0 : nil } }
                ?? Self.defaultPorts[api]!
        }
        return ListeningAddresses(
            host: arguments.string(host) ?? Self.defaultHost,
            ports: [.rosti: try port(rostiPort, of: .rosti), .rosa: try port(rosaPort, of: .rosa)])
    }
}

/// Where both APIs listen once started: what the banner shows and the ready file records.
struct ListeningAddresses {
    let host: String
    let ports: [EmulatedAPI: Int]

    /// The address as given to `--host`, as a URL shows it (an IPv6 address in brackets).
    func shownURL(of api: EmulatedAPI, scheme: String = "http") -> String {
        "\(scheme)://\(Self.bracketed(host)):\(ports[api]!)/"
    }

    /// An address a client on this machine can connect to: a wildcard listen address
    /// (`0.0.0.0`, `::`) is not one, its loopback is.
    func connectableURL(of api: EmulatedAPI, scheme: String = "http") -> String {
        let reachable = switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "::1"
        default: host
        }
        return "\(scheme)://\(Self.bracketed(reachable)):\(ports[api]!)/"
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// The ready file's contents: harnesses that start Rostra on port 0 learn the ports here.
    func readyDocument(state: String) -> [String: Any] {
        var document: [String: Any] = [
            "version": RostraVersion.string,
            "pid": Int(ProcessInfo.processInfo.processIdentifier),
            "state": state,
        ]
        for api in [EmulatedAPI.rosti, .rosa] {
            document[api.rawValue] = ["port": ports[api]!, "url": connectableURL(of: api)]
        }
        document["dashboard"] = connectableURL(of: .rosti) + "__admin/"
        return document
    }
}

/// `--ready-file`: written whole or not at all (a temporary file renamed into place), so a
/// harness polling for it never reads half a document; and removed on every exit the
/// process controls — a graceful stop, a failure after it was written, an error that ends
/// the command — because one left behind tells the next harness that a stopped Rostra
/// listens. Writing and removing take turns under one lock, so a failure on another thread
/// that removes it while it is being written cannot leave it behind either.
final class ReadyFile: Sendable {
    let path: String
    private let stage = AdaptiveMutex(Stage.notWritten)

    private enum Stage {
        case notWritten, written
        /// Removed for good: the process is on its way out, and writes nothing more.
        case withdrawn
    }

    init(path: String) {
        self.path = path
    }

    func write(_ document: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        try stage.withLock { stage in
            guard case .notWritten = stage else { return }
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (data + Data("\n".utf8)).write(to: url, options: .atomic)
            stage = .written
        }
    }

    /// Removes the file if this process wrote it; any later `write` does nothing.
    func withdraw() {
        stage.withLock { stage in
            if case .written = stage { unlink(path) }
            stage = .withdrawn
        }
    }
}
