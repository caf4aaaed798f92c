import Arguments
import EmulatorState
import HTTP

/// `rostra ca`: the local certificate authority that `rostra serve` issues its TLS
/// certificates from — where it is, its certificate, and how to make clients trust it —
/// made first when it does not exist yet, as `mkcert -CAROOT` shows mkcert's.
struct CACommand: RostraCommand {
    static let path = OptionSpec(
        "path", .flag, help: "Print only the certificate's path (for scripts: curl --cacert \"$(rostra ca --path)\").")

    static let spec = CommandSpec(
        name: "ca",
        abstract: "Show the local certificate authority of the TLS listeners: its path, its certificate (PEM) and how to trust it.",
        discussion: """
            Makes the authority first when it does not exist. The folder is the one `rostra serve` \
            uses with the same --db and --ca-dir: ca/ beside the database, or for --db :memory: the \
            user's $XDG_DATA_HOME/rostra/ca. Its private key never leaves that folder. Reference: docs/tls.md.
            """,
        options: [StateOptions.db, CertificateAuthorityLocation.caDir, path]
    )

    let location: CertificateAuthorityLocation
    let pathOnly: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        let database = StateStore.Location(argument: arguments.string(StateOptions.db) ?? StateStore.Location.defaultPath)
        location = CertificateAuthorityLocation(arguments, database: database)
        pathOnly = try arguments.isSet(Self.path)
    }

    func run() throws {
        let authority = location.authority
        let made: Bool
        do {
            made = try authority.prepareAuthority()
        } catch {
            throw CommandFailure("Cannot prepare the certificate authority in \(authority.directory): \(error)")
        }
        let certificate = authority.authorityCertificatePath
        if pathOnly {
            Output.standardOutput(certificate + "\n")
            return
        }
        let pem: String
        do {
            pem = try String(contentsOfFile: certificate, encoding: .utf8)
        } catch {
            throw CommandFailure("Cannot read \(certificate): \(error)")
        }
        Output.standardOutput(Self.text(certificate: certificate, key: authority.authorityKeyPath, made: made, pem: pem))
    }

    static func text(certificate: String, key: String, made: Bool, pem: String) -> String {
        """
        Rostra's local certificate authority (\(made ? "made now" : "made before"))
          Certificate  \(certificate)
          Private key  \(key)   (mode 0600; it never leaves this folder)

        Trust it, one client at a time:
          curl                          curl --cacert \(certificate) https://localhost:8443/__admin/health
          Go (rostictl), OpenSSL        export SSL_CERT_FILE=\(certificate)
          Python requests, coreapi      export REQUESTS_CA_BUNDLE=\(certificate)
          Node.js                       export NODE_EXTRA_CA_CERTS=\(certificate)
        (SSL_CERT_FILE and REQUESTS_CA_BUNDLE replace the system's list for that process;
        NODE_EXTRA_CA_CERTS adds to it.)

        Or for every program on this machine (Debian, Ubuntu):
          sudo cp \(certificate) /usr/local/share/ca-certificates/rostra-ca.crt && sudo update-ca-certificates

        More, and how to run a client that hard-codes https://admin.rosti.cz: docs/tls.md

        \(pem)
        """
    }
}
