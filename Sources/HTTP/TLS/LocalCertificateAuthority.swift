#if canImport(Glibc)
import Glibc
#endif
import CTLS

/// A certificate authority of this machine, kept in a folder as mkcert keeps its CAROOT:
/// its certificate (for users to trust), its private key (mode 0600, which never leaves
/// the folder), and the server certificate it issued for the names a TLS listener answers.
///
/// Keys are ECDSA P-256: made in well under a millisecond (an RSA 2048 key takes tens),
/// accepted by every client in use, and the curve nginx is given in `scripts/bench`.
/// Everything here is made with OpenSSL's X.509 API (CTLS), not with swift-certificates
/// and swift-crypto: libcrypto is linked for TLS anyway, and those two packages would add
/// a minute or more to every build for a few X.509 calls.
///
/// Several processes may share a folder (every throwaway `--db :memory:` instance uses
/// the user's): changes are made under an exclusive `flock` on `.lock` in it, and each
/// file is written whole, to a temporary name renamed into place.
public struct LocalCertificateAuthority: Sendable {
    /// How long what is made here is valid, and when it is renewed.
    public enum Validity {
        /// The authority: 10 years, as mkcert's. Replacing it means trusting a new one
        /// everywhere, so it is made to outlast the machines it is trusted on.
        public static let authorityDays = 3650
        /// A server certificate: 397 days. Apple's platforms refuse TLS server certificates
        /// valid for more than 398 days (issued after 2020-09-01), and browsers follow; a
        /// year is what a public CA gives too. Renewed at start, so it never lapses in use.
        public static let serverDays = 397
        /// A server certificate that expires within this many days is re-issued at start.
        public static let renewWithinDays = 30
    }

    public static let authorityCertificateFile = "rostra-ca.pem"
    public static let authorityKeyFile = "rostra-ca-key.pem"
    public static let serverCertificateFile = "server.pem"
    public static let serverKeyFile = "server-key.pem"
    static let organization = "Rostra local development CA"

    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public var authorityCertificatePath: String { path(Self.authorityCertificateFile) }
    public var authorityKeyPath: String { path(Self.authorityKeyFile) }
    public var serverCertificatePath: String { path(Self.serverCertificateFile) }
    public var serverKeyPath: String { path(Self.serverKeyFile) }

    private func path(_ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// What `prepareServerCertificate` did.
    public struct Preparation: Sendable, Equatable {
        /// The authority was made now (users must trust it once).
        public var madeAuthority = false
        /// Why the server certificate was issued now; nil when the one there was kept.
        public var issuedBecause: String?

        public init(madeAuthority: Bool = false, issuedBecause: String? = nil) {
            self.madeAuthority = madeAuthority
            self.issuedBecause = issuedBecause
        }
    }

    /// Makes the authority when it does not exist yet; true when it was made now.
    @discardableResult
    public func prepareAuthority() throws(TLSError) -> Bool {
        try withLock { () throws(TLSError) -> Bool in try makeAuthorityIfMissing() }
    }

    /// The authority (made when missing) and a server certificate for `names`, re-issued
    /// when it is missing, does not read, was issued by another authority, expires within
    /// `Validity.renewWithinDays`, or lacks one of the names. Returns the files to serve.
    public func prepareServerCertificate(names: [String], now: Int64 = Int64(time(nil))) throws(TLSError) -> (TLSIdentity.Files, Preparation) {
        for name in names where !Self.isValidName(name) {
            throw TLSError("\(name) is not a host name or an IP address a certificate can name")
        }
        return try withLock { () throws(TLSError) -> (TLSIdentity.Files, Preparation) in
            var preparation = Preparation()
            preparation.madeAuthority = try makeAuthorityIfMissing()
            let authority = try read(authorityCertificatePath)
            if let reason = try reasonToIssue(names: names, authority: authority, now: now) {
                try issueServerCertificate(names: names, authority: authority)
                preparation.issuedBecause = reason
            }
            return (TLSIdentity.Files(certificateChain: serverCertificatePath, privateKey: serverKeyPath), preparation)
        }
    }

    /// Whether a name can go in a certificate: an IPv4 or IPv6 literal, or a DNS name of
    /// letters, digits and hyphens between dots (a leading `*.` for a wildcard), at most
    /// 253 bytes.
    public static func isValidName(_ name: String) -> Bool {
        if isIPAddress(name) { return true }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" && labels.count > 2 { labels.removeFirst() }
        guard !name.isEmpty, name.utf8.count <= 253, !labels.isEmpty else { return false }
        return labels.allSatisfy { label in
            let bytes = label.utf8
            return (1...63).contains(bytes.count) && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
                && bytes.allSatisfy { $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) }
        }
    }

    static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    // MARK: Making

    private func makeAuthorityIfMissing() throws(TLSError) -> Bool {
        let haveCertificate = access(authorityCertificatePath, F_OK) == 0
        let haveKey = access(authorityKeyPath, F_OK) == 0
        if haveCertificate && haveKey {
            let certificate = try read(authorityCertificatePath)
            let key = try read(authorityKeyPath)
            guard rostra_tls_key_matches(certificate, key) == 1 else {
                throw TLSError("\(authorityKeyPath) is not the key of \(authorityCertificatePath): restore the pair, or remove both to make a new authority (which clients must then trust anew)")
            }
            return false
        }
        if haveCertificate != haveKey {
            // Never replace half of an authority someone may trust: say what is missing.
            let missing = haveCertificate ? authorityKeyPath : authorityCertificatePath
            throw TLSError("\(missing) is missing: restore it, or remove \(haveCertificate ? authorityCertificatePath : authorityKeyPath) too to make a new authority (which clients must then trust anew)")
        }
        var certificatePEM: UnsafeMutablePointer<CChar>?
        var keyPEM: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 512)
        let commonName = "Rostra CA \(Self.userAtHost())"
        guard rostra_tls_make_authority(Self.organization, commonName, Int32(Validity.authorityDays), &certificatePEM, &keyPEM, &error, error.count) == 1,
              let certificatePEM, let keyPEM
        else { throw TLSError(error.textUpToNUL) }
        defer {
            free(certificatePEM)
            free(keyPEM)
        }
        // The key first: a certificate without its key is never left behind alone.
        try write(keyPEM, to: authorityKeyPath, mode: 0o600)
        try write(certificatePEM, to: authorityCertificatePath, mode: 0o644)
        // Any server certificate there was issued by another authority.
        unlink(serverCertificatePath)
        return true
    }

    private func reasonToIssue(names: [String], authority: String, now: Int64) throws(TLSError) -> String? {
        guard access(serverCertificatePath, F_OK) == 0, access(serverKeyPath, F_OK) == 0 else { return "none existed" }
        let certificate = try read(serverCertificatePath)
        var facts = rostra_tls_facts()
        var error = [CChar](repeating: 0, count: 512)
        guard rostra_tls_certificate_facts(certificate, authority, &facts, &error, error.count) == 1 else {
            return "the one there did not read (\(error.textUpToNUL))"
        }
        guard facts.issued_by_authority == 1 else { return "the one there was issued by another authority" }
        guard rostra_tls_key_matches(certificate, try read(serverKeyPath)) == 1 else { return "its key did not match" }
        if facts.not_after - now < Int64(Validity.renewWithinDays) * 86_400 {
            return "the one there expires within \(Validity.renewWithinDays) days"
        }
        let missing = names.filter { rostra_tls_certificate_covers(certificate, $0) != 1 }
        if !missing.isEmpty { return "the one there did not name \(missing.joined(separator: ", "))" }
        return nil
    }

    /// A new certificate of the authority for `names`, valid `Validity.serverDays`, and its
    /// key, in PEM, for a server that keeps them itself (the front door has one per app:
    /// nginx reads them from its own folder); `madeAuthority` when the authority was made
    /// for it.
    public func issueCertificate(names: [String]) throws(TLSError) -> (certificate: String, key: String, madeAuthority: Bool) {
        for name in names where !Self.isValidName(name) {
            throw TLSError("\(name) is not a host name or an IP address a certificate can name")
        }
        return try withLock { () throws(TLSError) -> (certificate: String, key: String, madeAuthority: Bool) in
            let made = try makeAuthorityIfMissing()
            let (certificate, key) = try issue(names: names, authority: try read(authorityCertificatePath))
            return (certificate, key, made)
        }
    }

    private func issueServerCertificate(names: [String], authority: String) throws(TLSError) {
        let (certificate, key) = try issue(names: names, authority: authority)
        try write(key, to: serverKeyPath, mode: 0o600)
        try write(certificate, to: serverCertificatePath, mode: 0o644)
    }

    private func issue(names: [String], authority: String) throws(TLSError) -> (certificate: String, key: String) {
        let authorityKey = try read(authorityKeyPath)
        var certificatePEM: UnsafeMutablePointer<CChar>?
        var keyPEM: UnsafeMutablePointer<CChar>?
        var error = [CChar](repeating: 0, count: 512)
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let issued = cNames.map { UnsafePointer<CChar>($0) }.withUnsafeBufferPointer { pointers in
            rostra_tls_issue_server_certificate(
                authority, authorityKey, Self.organization, pointers.baseAddress, pointers.count, Int32(Validity.serverDays),
                &certificatePEM, &keyPEM, &error, error.count)
        }
        guard issued == 1, let certificatePEM, let keyPEM else { throw TLSError(error.textUpToNUL) }
        defer {
            free(certificatePEM)
            free(keyPEM)
        }
        return (String(cString: certificatePEM), String(cString: keyPEM))
    }

    // MARK: Files

    /// Runs `body` holding the folder's lock (made with the folder when missing).
    private func withLock<Result>(_ body: () throws(TLSError) -> Result) throws(TLSError) -> Result {
        try Self.makeDirectories(directory)
        let lockPath = path(".lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TLSError("cannot open \(lockPath): \(Self.systemError())") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw TLSError("cannot lock \(lockPath): \(Self.systemError())") }
        }
        return try body()
    }

    /// `mkdir -p`, new folders 0755: the authority's certificate is for others to read;
    /// its key's own mode keeps it private.
    static func makeDirectories(_ path: String) throws(TLSError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw TLSError("cannot make the folder \(current): \(systemError())")
            }
        }
    }

    private func read(_ path: String) throws(TLSError) -> String {
        guard let file = fopen(path, "re") else { throw TLSError("cannot read \(path): \(Self.systemError())") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = fread(&chunk, 1, chunk.count, file), count > 0 {
            bytes += chunk[0..<count]
        }
        guard ferror(file) == 0 else { throw TLSError("cannot read \(path): \(Self.systemError())") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the file whole: to a temporary name with its final mode from the start (a
    /// key is never readable by others, even for a moment), flushed, then renamed.
    private func write(_ text: UnsafePointer<CChar>, to path: String, mode: mode_t) throws(TLSError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw TLSError("cannot write \(temporary): \(Self.systemError())") }
        var remaining = UnsafeRawPointer(text)
        var count = strlen(text)
        while count > 0 {
            let written = Glibc.write(descriptor, remaining, count)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let reason = Self.systemError()
                close(descriptor)
                unlink(temporary)
                throw TLSError("cannot write \(temporary): \(reason)")
            }
            remaining += written
            count -= written
        }
        // The mode asked for, whatever the umask made of it.
        fchmod(descriptor, mode)
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, path) == 0 else {
            let reason = Self.systemError()
            unlink(temporary)
            throw TLSError("cannot write \(path): \(reason)")
        }
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }

    /// `user@host`, as mkcert names its authority: which machine's CA a trusted
    /// certificate is, when a user meets it in a trust store.
    private static func userAtHost() -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let user = getenv("USER").map { String(cString: $0) } ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "user"
        return "\(user)@\(host.textUpToNUL)"
    }
}
