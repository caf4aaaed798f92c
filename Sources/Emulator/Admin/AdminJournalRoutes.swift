import Foundation
import HTTP
import JSON

/// A `GET /__admin/requests` query: which journal(s) and which entries.
struct JournalQuery {
    enum StatusFilter: Equatable {
        case exactly(Int)
        /// `4xx`: every status of a class.
        case statusClass(Int)
        case outcome(JournalEntry.Outcome)
    }

    static let parameters = ["api", "method", "path", "status", "tenant", "limit"]

    var api: EmulatedAPI?
    var method: String?
    var path: PathPattern?
    var status: StatusFilter?
    /// A tenant's name, `*` for all, `nil` for the tenant of the call.
    var tenant: String?
    var limit: Int?

    init(_ request: Request, allowing allowed: [String] = JournalQuery.parameters) throws {
        for (name, value) in request.queryItems {
            guard allowed.contains(name) else {
                throw AdminError(field: name, "unknown query parameter (known: \(allowed.joined(separator: ", ")))")
            }
            switch name {
            case "api":
                guard let api = EmulatedAPI(rawValue: value) else { throw AdminError(field: "api", "\(JSONString.quote(value)) is not one of rosti, rosa") }
                self.api = api
            case "method": method = value.uppercased()
            case "path": path = try PathPattern(value, field: "path")
            case "status": status = try Self.statusFilter(value)
            case "tenant":
                if value != "*", let problem = TenantName.problem(with: value) { throw AdminError(field: "tenant", problem) }
                tenant = value
            case "limit":
                guard let limit = Int(value), (1...ControlPlaneLimits.journalEntriesMaximum).contains(limit) else {
                    throw AdminError(field: "limit", "expected a whole number 1–\(ControlPlaneLimits.journalEntriesMaximum), got \(JSONString.quote(value))")
                }
                self.limit = limit
            default: break
            }
        }
    }

    private static func statusFilter(_ value: String) throws -> StatusFilter {
        switch value.lowercased() {
        case "dropped": return .outcome(.dropped)
        case "garbage": return .outcome(.garbage)
        case let text where text.count == 3 && text.hasSuffix("xx"):
            if let digit = Int(text.prefix(1)), (1...5).contains(digit) { return .statusClass(digit) }
        default:
            if let code = Int(value), (100...599).contains(code) { return .exactly(code) }
        }
        throw AdminError(field: "status", "expected a status (503), a class (5xx), dropped or garbage, got \(JSONString.quote(value))")
    }

    func matches(_ entry: JournalEntry) -> Bool {
        if let api, entry.api != api { return false }
        if let method, entry.method != method { return false }
        if let status {
            switch status {
            case .exactly(let code): if entry.status != code { return false }
            case .statusClass(let digit): if entry.status.map({ $0 / 100 }) != digit { return false }
            case .outcome(let outcome): if entry.outcome != outcome { return false }
            }
        }
        if let path, !path.matches(entry.path) { return false }
        return true
    }

    /// The journals the query reads: the named tenant's (none if it does not exist — a
    /// read never creates a tenant), every tenant's for `*`, or the calling tenant's.
    func tenants(_ request: Request, emulator: Emulator) throws -> [Tenant] {
        switch tenant {
        case nil: return [try request.tenant()]
        case "*": return emulator.tenants.all
        case let name?: return emulator.tenants.existingTenant(named: name).map { [$0] } ?? []
        }
    }
}

extension AdminRoutes {
    /// `GET/DELETE /__admin/requests`: the request journal.
    static func registerJournal(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "requests", on: &router, AdminOperation(
            summary: "The request journal, newest first",
            description: "Every API request of the tenant (admin calls are not journaled): method, path, query, headers (Authorization redacted to its scheme), body size and the first \(ControlPlaneLimits.journalBodyPrefixBytes) bytes of bodies up to \(ControlPlaneLimits.journalBufferedBodyMaximumBytes / 1024) KiB, status or outcome, duration, api, tenant and time on the tenant's clock. The journal keeps the last journal_size requests per tenant.",
            query: [
                .init(name: "api", description: "rosti or rosa", schema: ["enum": ["rosti", "rosa"]]),
                .init(name: "method", description: "e.g. POST", schema: ["type": "string"]),
                .init(name: "path", description: "regular expression searched in the path", schema: ["type": "string"]),
                .init(name: "status", description: "503, a class such as 5xx, dropped or garbage", schema: ["type": "string"]),
                .init(name: "tenant", description: "another tenant's journal, or * for every tenant's", schema: ["type": "string"]),
                .init(name: "limit", description: "at most this many entries", schema: ["type": "integer", "minimum": 1]),
            ],
            responses: [(200, "{\"tenant\": …, \"requests\": [entry, …], \"count\": …, \"kept\": …, \"evicted\": …, \"journal_size\": …}")])
        ) { request in
            let query = try JournalQuery(request)
            let tenants = try query.tenants(request, emulator: emulator)
            var entries = tenants.flatMap { $0.journal.entries }.filter(query.matches)
            entries.sort { $0.id > $1.id }
            if let limit = query.limit, entries.count > limit { entries.removeLast(entries.count - limit) }
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return AdminReply.json([
                "tenant": .string(try query.tenant ?? request.tenant().name),
                "requests": .array(entries.map { $0.json(formatter: formatter) }),
                "count": .integer(entries.count),
                "kept": .integer(tenants.map(\.journal.count).reduce(0, +)),
                "evicted": .integer(tenants.map(\.journal.evictedCount).reduce(0, +)),
                "journal_size": .integer(emulator.settings.value.journalSize),
            ])
        }

        documentation.add(.delete, "requests", on: &router, AdminOperation(
            summary: "Clear the request journal",
            query: [.init(name: "tenant", description: "another tenant's journal, or * for every tenant's", schema: ["type": "string"])],
            responses: [(200, "{\"tenant\": …, \"cleared\": <entries>}")])
        ) { request in
            let query = try JournalQuery(request, allowing: ["tenant"])
            let tenants = try query.tenants(request, emulator: emulator)
            let cleared = tenants.map(\.journal.count).reduce(0, +)
            for tenant in tenants { tenant.journal.clear() }
            return AdminReply.json(["tenant": .string(try query.tenant ?? request.tenant().name), "cleared": .integer(cleared)])
        }
    }
}

extension JournalEntry {
    func json(formatter: ISO8601DateFormatter) -> JSONValue {
        var headerObject = JSONObject()
        for field in headers {
            let existing = headerObject.keys.first { $0.equalsIgnoringASCIICase(field.name) }
            if let existing, case .string(let earlier)? = headerObject[existing] {
                headerObject[existing] = .string(earlier + ", " + field.value)
            } else {
                headerObject[field.name] = .string(field.value)
            }
        }
        var object: JSONObject = [
            "id": .integer(id), "time": .string(formatter.string(from: Date(timeIntervalSince1970: time))), "time_unix": .number(time),
            "api": .string(api.rawValue), "tenant": .string(tenant), "method": .string(method), "path": .string(path),
            "query": .optionalString(query), "headers": .object(headerObject), "headers_truncated": .bool(headersTruncated),
            "body_size": .integer(bodySize),
        ]
        if let bodyPrefix {
            if let text = Self.utf8Text(bodyPrefix, cut: Int64(bodyPrefix.count) < bodySize) {
                object["body_prefix"] = .string(text)
            } else {
                object["body_prefix_base64"] = .string(Data(bodyPrefix).base64EncodedString())
            }
            object["body_prefix_truncated"] = .bool(Int64(bodyPrefix.count) < bodySize)
        }
        switch outcome {
        case .answered(let status):
            object["status"] = .integer(status)
            object["outcome"] = "answered"
        case .dropped:
            object["status"] = .null
            object["outcome"] = "dropped"
        case .garbage:
            object["status"] = .null
            object["outcome"] = "garbage"
        }
        object["duration_ms"] = .number((durationMilliseconds * 1000).rounded() / 1000)
        object["fault"] = .optionalString(fault)
        return .object(object)
    }

    /// The bytes as text when they are UTF-8; a prefix cut inside a character may lose up
    /// to three bytes of it to stay text.
    private static func utf8Text(_ bytes: [UInt8], cut: Bool) -> String? {
        for dropped in 0...(cut ? min(3, bytes.count) : 0) {
            if let text = String(validating: bytes.dropLast(dropped), as: UTF8.self) { return text }
        }
        return nil
    }
}
