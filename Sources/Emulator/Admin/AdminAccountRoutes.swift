import Foundation
import HTTP
import JSON
import Store

extension AdminRoutes {
    /// `POST /__admin/accounts`: a Rosti account (with a token and a default company named
    /// after it) or a Rosa user, made in the tenant's state; answers the credentials.
    static func registerAccounts(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        let plugins = emulator.plugins
        documentation.add(.post, "accounts", on: &router, AdminOperation(
            summary: "Create a Rosti account or a Rosa user and get its credentials",
            description: "Every field but api is optional; what is left out is made up (unique e-mail and name, random token and password). A Rosti account gets a company named after it (or `company`), as its default. An e-mail, name or token already used answers 409 naming the field.",
            body: ["oneOf": .array(plugins.map(\.accountSchema))],
            example: ["api": "rosti", "email": "ci@example.test", "name": "CI Bot"],
            responses: [
                (201, "Rosti: {\"api\", \"id\", \"email\", \"name\", \"token\", \"authorization\", \"company\": {\"id\", \"name\"}}; Rosa: {\"api\", \"id\", \"uname\", \"email\", \"password\", \"token\", \"role\", \"authorization\"}"),
                (409, "The e-mail, name or token is taken; `field` names it"),
            ])
        ) { request in
            let body = try FieldReader.body(of: request)
            let tenant = try request.tenant()
            guard let api = try body.choice("api", of: EmulatedAPI.self) else {
                throw AdminError(field: "api", "required: rosti or rosa")
            }
            guard let plugin = plugins.first(where: { $0.api == api }) else {
                throw AdminError(field: "api", "\(api.rawValue) is not served by this emulator")
            }
            return AdminReply.json(try plugin.createAccount(body, in: tenant), status: .created)
        }
    }
}

/// What every plug-in's account factory shares: invented values, the checks of e-mail
/// addresses and names, and taken values answered as 409.
public enum AccountFields {
    public static let lettersAndDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    public static let lowercaseAndDigits = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// From the system's cryptographic generator: tokens and passwords must not be guessable
    /// from one another.
    public static func randomString(length: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// A UNIQUE failure on a known column (`table.column`) becomes 409 naming the field.
    public static func translatingConflicts<Result>(_ fields: [String: String], _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let violation as ConstraintViolation where violation.kind == .unique {
            let field = violation.columns.compactMap { fields[$0] }.first
            throw AdminError(HTTPStatus(code: 409), field: field, "already used by another account")
        }
    }

    public static func checkEmail(_ email: String) throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: "email", "\(JSONString.quote(email)) is not an e-mail address")
        }
    }

    public static func checkName(_ name: String, field: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: field, "a name needs at least one visible character and no control characters")
        }
    }

    public static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
