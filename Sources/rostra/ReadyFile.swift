import Emulator
import Foundation

/// Where both APIs listen once started: what the banner shows and the ready file records.
struct ListeningAddresses {
    let host: String
    let ports: [EmulatedAPI: Int]

    /// The host and ports as `rostra serve` takes them: each flag, else its environment
    /// variable, else the default. `rostra health` checks the same addresses.
    static func configured(host: String?, rostiPort: Int?, rosaPort: Int?) throws -> ListeningAddresses {
        ListeningAddresses(
            host: host ?? EnvironmentDefault.string("ROSTRA_HOST") ?? "127.0.0.1",
            ports: [
                .rosti: try rostiPort ?? EnvironmentDefault.port("ROSTRA_ROSTI_PORT") ?? 8000,
                .rosa: try rosaPort ?? EnvironmentDefault.port("ROSTRA_ROSA_PORT") ?? 8001,
            ])
    }

    /// The address as given to `--host`, as a URL shows it (an IPv6 address in brackets).
    func shownURL(of api: EmulatedAPI) -> String {
        "http://\(Self.bracketed(host)):\(ports[api]!)/"
    }

    /// An address a client on this machine can connect to: a wildcard listen address
    /// (`0.0.0.0`, `::`) is not one, its loopback is.
    func connectableURL(of api: EmulatedAPI) -> String {
        let reachable = switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "::1"
        default: host
        }
        return "http://\(Self.bracketed(reachable)):\(ports[api]!)/"
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
/// harness polling for it never reads half a document.
enum ReadyFile {
    static func write(_ document: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (data + Data("\n".utf8)).write(to: url, options: .atomic)
    }
}
