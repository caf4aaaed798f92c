import Arguments
import Emulator
import EmulatorState
import Foundation
import HTTP
import Logging

/// Where the local certificate authority lives: `--ca-dir`, else `ca/` beside the state's
/// database, else — for a throwaway `--db :memory:` instance — the user's own
/// (`$XDG_DATA_HOME/rostra/ca`), so that every throwaway instance serves a certificate of
/// the authority the user already trusts. Shared by `serve` and `ca`.
struct CertificateAuthorityLocation {
    static let caDir = OptionSpec(
        "ca-dir", .value(valueName: "folder"),
        help: "Folder of the local certificate authority (its key stays there, mode 0600).",
        environment: EnvironmentFallback("ROSTRA_CA_DIR"),
        shownDefault: "ca/ beside the database; for --db :memory:, $XDG_DATA_HOME/rostra/ca (~/.local/share/rostra/ca)")

    /// Absolute: the banner, the ready file and `rostra ca` name files for use elsewhere
    /// (`SSL_CERT_FILE=…` from another folder).
    let directory: String

    init(_ arguments: ParsedArguments, database: StateStore.Location) {
        let named = Self.named(arguments, database: database)
        directory = named.hasPrefix("/") ? named : Self.currentDirectory() + "/" + named
    }

    private static func named(_ arguments: ParsedArguments, database: StateStore.Location) -> String {
        if let chosen = arguments.string(Self.caDir) { return chosen }
        // Plain strings and getenv: this runs on every start (see `FileSystem`).
        switch database {
        case .file(let path):
            guard let slash = path.lastIndex(of: "/") else { return "ca" }
            return path[..<slash].isEmpty ? "/ca" : path[..<slash] + "/ca"
        case .memory:
            // XDG: a relative $XDG_DATA_HOME is invalid and ignored.
            let dataHome = Self.environment("XDG_DATA_HOME").flatMap { $0.hasPrefix("/") ? $0 : nil }
                ?? ((Self.environment("HOME") ?? NSHomeDirectory()) + "/.local/share")
            return dataHome + "/rostra/ca"
        }
    }

    var authority: LocalCertificateAuthority { LocalCertificateAuthority(directory: directory) }

    /// getcwd, not FileManager: this is on every start, and FileManager's first use costs.
    private static func currentDirectory() -> String {
        guard let path = getcwd(nil, 0) else { return "." }
        defer { free(path) }
        return String(cString: path)
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).flatMap { $0.pointee == 0 ? nil : String(cString: $0) }
    }
}

/// The TLS listeners of `rostra serve`: one per API beside its plain port, serving a
/// certificate of the local authority for the names below.
struct TLSOptions {
    static let defaultPorts: [EmulatedAPI: Int] = [.rosti: 8443, .rosa: 8444]
    /// What a server certificate always names: this machine, and the real services' hosts,
    /// so a client that hard-codes them works once the names map to Rostra.
    static let defaultNames = ["localhost", "127.0.0.1", "::1", "admin.rosti.cz", "file-store.rosalinux.ru"]

    static let rostiTLSPort = OptionSpec(
        "rosti-tls-port", .value(valueName: "port"), help: "Port of the Rosti API over TLS (0 = any free port).",
        environment: EnvironmentFallback("ROSTRA_ROSTI_TLS_PORT"), shownDefault: "8443, or 0 when --rosti-port is 0")
    static let rosaTLSPort = OptionSpec(
        "rosa-tls-port", .value(valueName: "port"), help: "Port of the Rosa File Store API over TLS (0 = any free port).",
        environment: EnvironmentFallback("ROSTRA_ROSA_TLS_PORT"), shownDefault: "8444, or 0 when --rosa-port is 0")
    static let noTLS = OptionSpec(
        "no-tls", .flag, help: "Serve plain HTTP only: no TLS listeners, no certificate authority.",
        environment: EnvironmentFallback("ROSTRA_NO_TLS", shown: "ROSTRA_NO_TLS=1"))
    static let tlsName = OptionSpec(
        "tls-name", .repeatedValue(valueName: "name"),
        help: "Another host name or IP address for the server certificate, beside localhost, 127.0.0.1, ::1, admin.rosti.cz and file-store.rosalinux.ru; repeatable.",
        environment: EnvironmentFallback("ROSTRA_TLS_NAMES", shown: "ROSTRA_TLS_NAMES=a.test,b.test"))
    static let all = [rostiTLSPort, rosaTLSPort, noTLS, CertificateAuthorityLocation.caDir, tlsName]

    /// Nil when TLS is off.
    let ports: [EmulatedAPI: Int]?
    /// The APIs whose TLS port was given (flag or environment), not defaulted.
    let chosenPorts: Set<EmulatedAPI>
    let names: [String]
    let location: CertificateAuthorityLocation

    init(_ arguments: ParsedArguments, listening: ListeningAddresses, database: StateStore.Location) throws(UsageError) {
        location = CertificateAuthorityLocation(arguments, database: database)
        var names = Self.defaultNames
        // A particular address to listen on is a name clients will use.
        if !["0.0.0.0", "::", "[::]", ""].contains(listening.host), LocalCertificateAuthority.isValidName(listening.host) {
            names.append(listening.host)
        }
        for name in arguments.strings(Self.tlsName) {
            guard LocalCertificateAuthority.isValidName(name) else {
                throw UsageError("\(arguments.origin(of: Self.tlsName, name)) is not a host name or an IP address a certificate can name.")
            }
            names.append(name.lowercased())
        }
        var seen = Set<String>()
        self.names = names.filter { seen.insert($0).inserted }
        chosenPorts = Set([(EmulatedAPI.rosti, Self.rostiTLSPort), (.rosa, Self.rosaTLSPort)].filter { arguments.isGiven($0.1) }.map(\.0))
        if try arguments.isSet(Self.noTLS) {
            ports = nil
            return
        }
        func port(_ option: OptionSpec, of api: EmulatedAPI) throws(UsageError) -> Int {
            // A harness that asks for free ports gets free TLS ports too, not 8443 twice.
            try arguments.value(option, expected: "a port number (0–65535)") { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } }
                ?? (listening.ports[api] == 0 ? 0 : Self.defaultPorts[api]!)
        }
        ports = [.rosti: try port(Self.rostiTLSPort, of: .rosti), .rosa: try port(Self.rosaTLSPort, of: .rosa)]
    }

    /// Makes the authority now when there is none (a first start): the banner and the
    /// ready file name its certificate, and a harness uses that file at once. Done later,
    /// with the server certificate, it was not there yet for a client that came at once.
    /// A failure is logged: the plain ports serve regardless, and each TLS connection is
    /// then closed with the same reason.
    func makeAuthorityIfMissing(logger: Logger) {
        let authority = location.authority
        guard access(authority.authorityCertificatePath, F_OK) != 0 else { return }
        do {
            if try authority.prepareAuthority() {
                logger.notice("made a certificate authority: \(authority.authorityCertificatePath) (trust it once: rostra ca)")
            }
        } catch {
            logger.error("cannot make the certificate authority in \(authority.directory): \(error)")
        }
    }

    /// Checks (makes, renews) and loads the certificate on a thread of its own at the lowest
    /// priority, once the banner and the ready file are out: the authority's file, which
    /// the banner names, exists at once on a first start, and the first TLS connection
    /// finds the context made (loading it on that connection took 15–50 ms on a busy
    /// machine). Started before the banner at normal priority, it competed with the first
    /// plain answer and cost the cold start about 4 ms; this way it costs nothing
    /// measurable (docs/performance.md).
    func prepareAhead(_ identity: TLSIdentity) {
        identity.prepareInBackground()
    }

    /// The certificate the TLS listeners serve: the authority and a server certificate for
    /// `names`, made or renewed when first needed (`TLSIdentity.prepareInBackground`), with
    /// a log line when anything was made.
    func identity(logger: Logger) -> TLSIdentity {
        let authority = location.authority
        let names = self.names
        return TLSIdentity {
            let (files, preparation) = try authority.prepareServerCertificate(names: names)
            if preparation.madeAuthority {
                logger.notice("made a certificate authority: \(authority.authorityCertificatePath) (trust it once: rostra ca)")
            }
            if let reason = preparation.issuedBecause {
                logger.notice("issued a server certificate for \(names.joined(separator: ", ")): \(reason)")
            }
            return files
        }
    }
}

extension TLSOptions {
    /// The TLS listener of one API: its plain listener's responder and error renderer, the
    /// local authority's certificate, its own port. Nil, after a warning, when the port was
    /// not asked for and is in use (another Rostra has 8443): a harness that chose only the
    /// plain ports must not fail for a port it never named. A port asked for must be had.
    func server(
        for api: EmulatedAPI, host: String, port: Int, identity: TLSIdentity, responder: any Responder,
        errorRenderer: any ErrorRenderer, logger: Logger, freedMemory: FreedMemoryReturn
    ) throws -> HTTPServer? {
        let configuration = ServerConfiguration(host: host, port: port, name: api.rawValue + "-tls", tls: identity)
        do {
            return try HTTPServer(
                configuration: configuration, responder: responder, errorRenderer: errorRenderer, logger: logger, freedMemory: freedMemory)
        } catch let error as SocketError where error.errno == EADDRINUSE && !chosenPorts.contains(api) {
            logger.warning("the \(api.rawValue) API is not served over TLS: its default port \(port) is in use (choose one: --\(api.rawValue)-tls-port; none: --no-tls)")
            return nil
        } catch {
            throw CommandFailure("Cannot listen for the \(api.rawValue) API over TLS on \(host):\(port): \(error) (another port: --\(api.rawValue)-tls-port; none: --no-tls)")
        }
    }

    /// The ready file's TLS keys, beside the plain ones: each API's `tls_port` and
    /// `tls_url`, and `ca_certificate`, the file clients trust.
    func addKeys(to document: inout [String: Any], listening: ListeningAddresses) {
        for api in [EmulatedAPI.rosti, .rosa] where listening.ports[api] != nil {
            guard var entry = document[api.rawValue] as? [String: Any] else { continue }
            entry["tls_port"] = listening.ports[api]!
            entry["tls_url"] = listening.connectableURL(of: api, scheme: "https")
            document[api.rawValue] = entry
        }
        document["ca_certificate"] = location.authority.authorityCertificatePath
    }
}
