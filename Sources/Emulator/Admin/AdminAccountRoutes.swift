import Foundation
import HTTP
import Store

extension AdminRoutes {
    /// `POST /__admin/accounts`: a Rosti account (with a token and a default company named
    /// after it) or a Rosa user, made in the tenant's state; answers the credentials.
    static func registerAccounts(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.post, "accounts", on: &router, AdminOperation(
            summary: "Create a Rosti account or a Rosa user and get its credentials",
            description: "Every field but api is optional; what is left out is made up (unique e-mail and name, random token and password). A Rosti account gets a company named after it (or `company`), as its default. An e-mail, name or token already used answers 409 naming the field.",
            body: [
                "oneOf": [
                    ["type": "object", "required": ["api"], "additionalProperties": false,
                     "properties": ["api": ["const": "rosti"], "email": ["type": "string"], "name": ["type": "string"],
                                    "company": ["type": "string"], "token": ["type": "string", "pattern": "^[0-9A-Za-z]{40}$"]]],
                    ["type": "object", "required": ["api"], "additionalProperties": false,
                     "properties": ["api": ["const": "rosa"], "uname": ["type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"], "email": ["type": "string"],
                                    "password": ["type": "string"], "token": ["type": "string", "pattern": "^[0-9A-Za-z]{1,128}$"],
                                    "role": ["enum": ["user", "admin", "system"]]]],
                ],
            ],
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
            let created: AdminJSON
            switch api {
            case .rosti: created = try AccountFactory.createRostiAccount(body, in: tenant)
            case .rosa: created = try AccountFactory.createRosaUser(body, in: tenant)
            }
            return AdminReply.json(created, status: .created)
        }
    }
}

/// Makes accounts with what the body gives and invents the rest.
enum AccountFactory {
    static func createRostiAccount(_ body: FieldReader, in tenant: Tenant) throws -> AdminJSON {
        try body.rejectUnknownKeys(["api", "email", "name", "company", "token"])
        let suffix = randomString(length: 8, from: lowercaseAndDigits)
        let email = try body.string("email", maximumLength: 254) ?? "user-\(suffix)@rostra.local"
        try checkEmail(email)
        let name = try body.string("name", maximumLength: 200) ?? "User \(suffix)"
        try checkName(name, field: "name")
        let company = try body.string("company", maximumLength: 200) ?? name
        try checkName(company, field: "company")
        let token = try body.string("token", maximumLength: 40) ?? randomString(length: 40, from: lettersAndDigits)
        guard token.utf8.count == 40, token.utf8.allSatisfy(isLetterOrDigit) else {
            throw AdminError(field: "token", "a Rosti token is 40 letters and digits")
        }
        let now = tenant.clock.now()
        let (accountID, companyID) = try translatingConflicts(["rosti_accounts.email": "email", "rosti_accounts.token": "token"]) {
            try tenant.state.database.write { conn in
                try conn.execute("INSERT INTO rosti_accounts (email, name, token, created) VALUES (?, ?, ?, ?)", [email, name, token, now])
                let accountID = conn.lastInsertedRowID
                try conn.execute("INSERT INTO rosti_companies (name, created) VALUES (?, ?)", [company, now])
                let companyID = conn.lastInsertedRowID
                try conn.execute("INSERT INTO rosti_memberships (account_id, company_id, is_default) VALUES (?, ?, 1)", [accountID, companyID])
                return (accountID, companyID)
            }
        }
        return [
            "api": "rosti", "tenant": .string(tenant.name), "id": .integer(accountID), "email": .string(email), "name": .string(name),
            "token": .string(token), "authorization": .string("Token \(token)"),
            "company": ["id": .integer(companyID), "name": .string(company)],
        ]
    }

    static func createRosaUser(_ body: FieldReader, in tenant: Tenant) throws -> AdminJSON {
        try body.rejectUnknownKeys(["api", "uname", "email", "password", "token", "role"])
        let uname = try body.string("uname", maximumLength: 64) ?? "user-\(randomString(length: 8, from: lowercaseAndDigits))"
        guard !uname.isEmpty, uname.utf8.allSatisfy({ isLetterOrDigit($0) || "_.-".utf8.contains($0) }) else {
            throw AdminError(field: "uname", "letters, digits, '_', '.' and '-' only (it is the Basic auth user name)")
        }
        let email = try body.string("email", maximumLength: 254) ?? "\(uname)@rostra.local"
        try checkEmail(email)
        let password = try body.string("password", maximumLength: 128) ?? randomString(length: 20, from: lettersAndDigits)
        guard !password.isEmpty, !password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: "password", "a password is at least one character, without control characters")
        }
        let token = try body.string("token", maximumLength: 128) ?? randomString(length: 40, from: lowercaseAndDigits)
        guard !token.isEmpty, token.utf8.allSatisfy(isLetterOrDigit) else {
            throw AdminError(field: "token", "letters and digits only (a token is sent as a Basic auth user name)")
        }
        let role = try body.string("role", maximumLength: 16) ?? "user"
        guard ["user", "admin", "system"].contains(role) else {
            throw AdminError(field: "role", "\(JSONString.quote(role)) is not one of user, admin, system")
        }
        let now = tenant.clock.now()
        let id = try translatingConflicts(["rosa_users.uname": "uname", "rosa_users.email": "email", "rosa_users.token": "token"]) {
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

    /// A UNIQUE failure on a known column becomes 409 naming the field.
    private static func translatingConflicts<Result>(_ fields: [String: String], _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let violation as ConstraintViolation where violation.kind == .unique {
            let field = violation.columns.compactMap { fields[$0] }.first
            throw AdminError(HTTPStatus(code: 409), field: field, "already used by another account")
        }
    }

    private static func checkEmail(_ email: String) throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: "email", "\(JSONString.quote(email)) is not an e-mail address")
        }
    }

    private static func checkName(_ name: String, field: String) throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw AdminError(field: field, "a name needs at least one visible character and no control characters")
        }
    }

    private static let lettersAndDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let lowercaseAndDigits = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    /// From the system's cryptographic generator: tokens and passwords must not be guessable
    /// from one another.
    private static func randomString(length: Int, from alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
