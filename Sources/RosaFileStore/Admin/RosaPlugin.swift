import Emulator
import EmulatorState
import Foundation
import HTTP
import JSON
import Store

/// The Rosa File Store plugged into the emulator: its state, and its users and files in
/// the admin API.
public struct RosaPlugin: APIPlugin {
    public let api = EmulatedAPI.rosa
    public let state: any StatePlugin = RosaState()

    public init() {}

    public var accountSchema: JSONValue {
        ["type": "object", "required": ["api"], "additionalProperties": false,
         "properties": ["api": ["const": "rosa"], "uname": ["type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"], "email": ["type": "string"],
                        "password": ["type": "string"], "token": ["type": "string", "pattern": "^[0-9A-Za-z]{1,128}$"],
                        "role": ["enum": ["user", "admin", "system"]]]]
    }

    /// A user who can log in with Basic auth by name, e-mail or token.
    public func createAccount(_ body: FieldReader, in tenant: Tenant) throws -> JSONValue {
        try body.rejectUnknownKeys(["api", "uname", "email", "password", "token", "role"])
        let uname = try body.string("uname", maximumLength: 64) ?? "user-\(AccountFields.randomString(length: 8, from: AccountFields.lowercaseAndDigits))"
        guard !uname.isEmpty, uname.utf8.allSatisfy({ AccountFields.isLetterOrDigit($0) || "_.-".utf8.contains($0) }) else {
            throw AdminError(field: "uname", "letters, digits, '_', '.' and '-' only (it is the Basic auth user name)")
        }
        let email = try body.string("email", maximumLength: 254) ?? "\(uname)@rostra.local"
        try AccountFields.checkEmail(email)
        let password = try body.string("password", maximumLength: 128) ?? AccountFields.randomString(length: 20, from: AccountFields.lettersAndDigits)
        guard !password.isEmpty, !password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: "password", "a password is at least one character, without control characters")
        }
        let token = try body.string("token", maximumLength: 128) ?? AccountFields.randomString(length: 40, from: AccountFields.lowercaseAndDigits)
        guard !token.isEmpty, token.utf8.allSatisfy(AccountFields.isLetterOrDigit) else {
            throw AdminError(field: "token", "letters and digits only (a token is sent as a Basic auth user name)")
        }
        let role = try body.string("role", maximumLength: 16) ?? "user"
        guard ["user", "admin", "system"].contains(role) else {
            throw AdminError(field: "role", "\(JSONString.quote(role)) is not one of user, admin, system")
        }
        let now = tenant.clock.now()
        let id = try AccountFields.translatingConflicts(["rosa_users.uname": "uname", "rosa_users.email": "email", "rosa_users.token": "token"]) {
            try tenant.state.database.write { conn in
                try conn.execute(
                    "INSERT INTO rosa_users (uname, email, password, token, role, created) VALUES (?, ?, ?, ?, ?, ?)",
                    [uname, email, password, token, role, now])
                return conn.lastInsertedRowID
            }
        }
        return [
            "api": "rosa", "tenant": .string(tenant.name), "id": .integer(id), "uname": .string(uname), "email": .string(email),
            "password": .string(password), "token": .string(token), "role": .string(role),
            "authorization": .string("Basic " + Data("\(uname):\(password)".utf8).base64EncodedString()),
        ]
    }

    public func overviewLists(of tenant: Tenant) -> [OverviewList] {
        [
            OverviewList(name: "users", table: "rosa_users", query: """
            SELECT id, uname, email, password, token, role, created FROM rosa_users ORDER BY id DESC
            """),
            OverviewList(name: "files", table: "rosa_files", query: """
            SELECT f.id, f.sha1, f.file_name, f.size, f.content_type, u.uname AS owner, f.created
            FROM rosa_files f LEFT JOIN rosa_users u ON u.id = f.user_id ORDER BY f.id DESC
            """),
        ]
    }
}
