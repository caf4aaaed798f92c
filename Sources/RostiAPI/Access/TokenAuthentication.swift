import HTTP
import Store

/// DRF's `TokenAuthentication`: `Authorization: Token <key>`, read as DRF reads it.
enum TokenAuthentication {
    static let keyword = "Token"

    /// The key in the header, or the error DRF answers for it. A missing header, or one of
    /// another scheme (`Basic …`), is "not provided"; `Token` alone, `Token a b` and keys
    /// that are not clean text are malformed headers.
    static func key(fromAuthorization header: String?) throws -> String {
        // Python's bytes.split(): any run of ASCII whitespace separates words. Split on the
        // UTF-8 bytes: this runs for every request, and Character iteration was a measured
        // hot spot.
        let header = header ?? ""
        let words = header.utf8.split(whereSeparator: { $0 == 0x20 || (0x09...0x0D).contains($0) })
        guard let scheme = words.first, Substring(scheme).equalsIgnoringASCIICase(keyword) else {
            throw RostiError.notAuthenticated
        }
        guard words.count > 1 else { throw RostiError.authenticationFailed(.tokenHeaderWithoutCredentials) }
        guard words.count == 2 else { throw RostiError.authenticationFailed(.tokenHeaderWithSpaces) }
        let key = String(Substring(words[1]))
        // Bytes that were not UTF-8 reach us as U+FFFD; DRF fails to decode them.
        guard !key.unicodeScalars.contains("\u{FFFD}") else {
            throw RostiError.authenticationFailed(.tokenHeaderWithInvalidCharacters)
        }
        return key
    }

    /// The account whose token this is.
    static func account(forKey key: String, in conn: Connection) throws -> Int64 {
        guard let account = try existingAccount(forKey: key, in: conn) else {
            throw RostiError.authenticationFailed(.invalidToken)
        }
        return account
    }

    /// The account whose token this is, if any.
    static func existingAccount(forKey key: String, in conn: Connection) throws -> Int64? {
        try conn.fetchValue(Int64.self, "SELECT id FROM rosti_accounts WHERE token = ?", [key])
    }

    /// Whether the request's `Authorization` carries the token of an account of its tenant:
    /// a real caller, who may make the tenant it names (`APIService.isAuthenticated`).
    static func isAuthenticated(_ request: Request) throws -> Bool {
        guard let key = try? key(fromAuthorization: request.headers["Authorization"]) else { return false }
        return try request.tenant().state.database.read { conn in try existingAccount(forKey: key, in: conn) != nil }
    }

    /// 403 unless the account is a member of the company (a company that does not exist is
    /// refused the same way, so ids of other accounts' companies reveal nothing).
    static func requireMembership(account: Int64, company: Int64, in conn: Connection) throws {
        let member = try conn.fetchValue(
            Int64.self, "SELECT 1 FROM rosti_memberships WHERE account_id = ? AND company_id = ?", [account, company])
        guard member != nil else { throw RostiError.permissionDenied }
    }
}

/// Ids in paths. Django's URL patterns take digits only for the company (`\d+`), so any
/// other company segment is a 404 before authentication; an object id that is not a number
/// is a 404 from the view (after authentication), as DRF's `get_object_or_404` answers.
enum PathID {
    static func parse(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(text)
    }

    static func company(of request: Request) throws -> Int64 {
        guard let id = parse(request.parameters["company_id"]) else { throw RostiError.notFound }
        return id
    }
}
