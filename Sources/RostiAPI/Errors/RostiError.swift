import JSON

/// What a Rosti handler throws; `RostiErrorRenderer` turns it into the documented answer.
enum RostiError: Error, Equatable {
    /// 401: no `Authorization: Token …` header (or another scheme).
    case notAuthenticated
    /// 401: a token header that is malformed or names no account.
    case authenticationFailed(Message)
    /// 403: the company is not the account's (or does not exist).
    case permissionDenied
    /// 404: no such object in the company (or an id that is not a number).
    case notFound
    /// 400: the body is not JSON; the reason as Python's `json` words it.
    case jsonParseError(reason: String)
    /// 415: a body of another media type than JSON.
    case unsupportedMediaType(String)
    /// 406: nothing the client accepts can be sent.
    case notAcceptable
    /// 400 `{"message": "validation error", "errors": {…}}`.
    case validation(ValidationErrors)
}

/// The errors of one validation, field by field in the order the fields were checked, as
/// DRF's `serializer.errors` holds them.
struct ValidationErrors: Error, Equatable {
    enum Detail: Equatable {
        /// `["This field is required."]`
        case messages([Message])
        /// A list field whose items failed: `{"0": ["Not a valid string."]}`.
        case items([(index: Int, messages: [Message])])

        static func == (lhs: Detail, rhs: Detail) -> Bool {
            switch (lhs, rhs) {
            case (.messages(let left), .messages(let right)): return left == right
            case (.items(let left), .items(let right)):
                return left.count == right.count && zip(left, right).allSatisfy { $0.index == $1.index && $0.messages == $1.messages }
            default: return false
            }
        }
    }

    /// DRF's key for errors that belong to no single field.
    static let nonFieldErrorsKey = "non_field_errors"

    private(set) var fields: [(name: String, detail: Detail)] = []

    init() {}

    init(field: String, _ message: Message) {
        add(field, message)
    }

    var isEmpty: Bool { fields.isEmpty }

    mutating func add(_ field: String, _ message: Message) {
        add(field, .messages([message]))
    }

    mutating func add(_ field: String, _ detail: Detail) {
        fields.removeAll { $0.name == field }
        fields.append((name: field, detail: detail))
    }

    /// Throws when anything was added.
    func throwIfAny() throws {
        if !isEmpty { throw RostiError.validation(self) }
    }

    /// `{"<field>": ["…"], "<list field>": {"0": ["…"]}}`
    func json(_ language: Language) -> JSONValue {
        var object = JSONObject()
        for (name, detail) in fields {
            switch detail {
            case .messages(let messages):
                object[name] = .array(messages.map { .string($0.text(language)) })
            case .items(let items):
                var byIndex = JSONObject()
                for item in items { byIndex[String(item.index)] = .array(item.messages.map { .string($0.text(language)) }) }
                object[name] = .object(byIndex)
            }
        }
        return .object(object)
    }

    static func == (lhs: ValidationErrors, rhs: ValidationErrors) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.detail == $1.detail }
    }
}
