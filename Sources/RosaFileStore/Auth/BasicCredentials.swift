import Foundation

/// The user name and password of an `Authorization: Basic …` header (RFC 7617).
struct BasicCredentials: Equatable {
    let userName: String
    let password: String

    enum Parsed: Equatable {
        /// No `Authorization` header, or one of another scheme (a `Token`, a `Bearer`): the
        /// request carries no Basic credentials, as Devise's HTTP authentication sees it.
        case absent
        /// `Basic` with a value that is not base64, or decodes without a colon.
        case malformed
        case credentials(BasicCredentials)
    }

    /// The scheme is case-insensitive (RFC 9110 §11.1); the user name ends at the first colon,
    /// so a password may hold colons (RFC 7617 §2). Bytes that are not UTF-8 are replaced:
    /// such a name or password then matches no user.
    static func parse(authorization: String?) -> Parsed {
        guard let authorization else { return .absent }
        let value = authorization.trimmingHTTPWhitespace()
        guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }),
            value[..<space].equalsIgnoringASCIICase("Basic")
        else { return .absent }
        let encoded = value[space...].trimmingHTTPWhitespace()
        guard let decoded = Data(base64Encoded: String(encoded)) else { return .malformed }
        let text = String(decoding: decoded, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return .malformed }
        return .credentials(
            BasicCredentials(userName: String(text[..<colon]), password: String(text[text.index(after: colon)...])))
    }
}
