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

    static let parameters = ["api", "method", "path", "status", "tenant", "limit", "before", "after"]

    /// Which page of the matching entries, by entry id (ids increase across the emulator).
    enum Cursor: Equatable {
        /// The newest entries (no cursor).
        case newest
        /// Older than this id: the next page after one whose oldest entry had it.
        case before(Int)
        /// Newer than this id: what arrived since a page whose newest entry had it.
        case after(Int)
    }

    var api: EmulatedAPI?
    var method: String?
    var path: PathPattern?
    var status: StatusFilter?
    /// A tenant's name, `*` for all, `nil` for the tenant of the call.
    var tenant: String?
    /// The page size asked for; the answer holds at most `pageSize` entries.
    var limit: Int?
    var cursor = Cursor.newest

    /// `limit`, else the default page; never more than the largest page.
    var pageSize: Int { min(limit ?? ControlPlaneLimits.journalPageDefault, ControlPlaneLimits.journalPageMaximum) }

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
            case "before", "after":
                guard cursor == .newest else { throw AdminError(field: name, "give before or after, not both") }
                guard let id = Int(value), id >= 0 else {
                    throw AdminError(field: name, "expected an entry id (a whole number, 0 or more), got \(JSONString.quote(value))")
                }
                cursor = name == "before" ? .before(id) : .after(id)
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

    /// The page the query asks for among `entries` (the filters applied here), newest
    /// first, and whether more match beyond it in the cursor's direction. Only the matches
    /// are sorted, and only a page of them is ever turned into JSON, however long the
    /// journals are.
    func page(of entries: [JournalEntry]) -> (entries: [JournalEntry], hasMore: Bool) {
        var matching = entries.filter { entry in
            switch cursor {
            case .newest: break
            case .before(let id): if entry.id >= id { return false }
            case .after(let id): if entry.id <= id { return false }
            }
            return matches(entry)
        }
        let hasMore = matching.count > pageSize
        if case .after = cursor {
            // The entries right after the cursor, so that following `next` misses none.
            matching.sort { $0.id < $1.id }
            return (Array(matching.prefix(pageSize).reversed()), hasMore)
        }
        matching.sort { $0.id > $1.id }
        return (Array(matching.prefix(pageSize)), hasMore)
    }

    /// The call for the page after `entries`: the same query with the cursor moved past
    /// them (older entries; newer ones for `after`).
    func nextPage(of request: Request, entries: [JournalEntry]) -> String? {
        guard let newest = entries.first, let oldest = entries.last else { return nil }
        let cursorNames: Set<String> = ["before", "after", "limit"]
        var pairs = (request.query ?? "").split(separator: "&").filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return !cursorNames.contains(PercentDecoding.decode(name, plusAsSpace: true))
        }.map(String.init)
        pairs.append("limit=\(pageSize)")
        if case .after = cursor {
            pairs.append("after=\(newest.id)")
        } else {
            pairs.append("before=\(oldest.id)")
        }
        return request.path + "?" + pairs.joined(separator: "&")
    }

    /// What one journal gives a query.
    struct Source {
        var entries: [JournalEntry]
        var kept: Int
        var evicted: Int
    }

    /// The journals the query reads: the calling tenant's, every tenant's for `*` (the
    /// seed view's too: the entries of requests to tenants not made yet), or the named
    /// tenant's — for a name no tenant has yet, the seed view's entries under that name (a
    /// read never creates a tenant).
    func sources(_ request: Request, emulator: Emulator) throws -> [Source] {
        func whole(_ journal: RequestJournal) -> Source {
            Source(entries: journal.entries, kept: journal.count, evicted: journal.evictedCount)
        }
        switch tenant {
        case nil: return [whole(try request.tenant().journal)]
        case "*": return (emulator.tenants.all + (emulator.tenants.existingSeedView.map { [$0] } ?? [])).map { whole($0.journal) }
        case let name?:
            if let existing = emulator.tenants.existingTenant(named: name) { return [whole(existing.journal)] }
            let entries = emulator.tenants.existingSeedView?.journal.entries.filter { $0.tenant == name } ?? []
            return [Source(entries: entries, kept: entries.count, evicted: 0)]
        }
    }

    /// Clears what `sources` reads; returns the entries cleared.
    func clear(_ request: Request, emulator: Emulator) throws -> Int {
        var journals: [RequestJournal]
        switch tenant {
        case nil: journals = [try request.tenant().journal]
        case "*": journals = (emulator.tenants.all + (emulator.tenants.existingSeedView.map { [$0] } ?? [])).map(\.journal)
        case let name?:
            if let existing = emulator.tenants.existingTenant(named: name) {
                journals = [existing.journal]
            } else {
                return emulator.tenants.existingSeedView?.journal.removeEntries(ofTenant: name).count ?? 0
            }
        }
        let cleared = journals.map(\.count).reduce(0, +)
        for journal in journals { journal.clear() }
        return cleared
    }
}

extension AdminRoutes {
    /// `GET/DELETE /__admin/requests`: the request journal.
    static func registerJournal(on router: inout Router, documentation: inout AdminDocumentation, emulator: Emulator) {
        documentation.add(.get, "requests", on: &router, AdminOperation(
            summary: "The request journal, newest first, a page at a time",
            description: "Every API request of the tenant (admin calls are not journaled): method, path, query, headers (Authorization redacted to its scheme), body size and the first \(ControlPlaneLimits.journalBodyPrefixBytes) bytes of bodies up to \(ControlPlaneLimits.journalBufferedBodyMaximumBytes / 1024) KiB, status or outcome, duration, api, tenant and time on the tenant's clock. The journal keeps the last journal_size requests per tenant. An answer holds one page: the newest \(ControlPlaneLimits.journalPageDefault) matching entries unless limit says otherwise (at most \(ControlPlaneLimits.journalPageMaximum)); next is the call that gives the following page (older entries; with after, newer ones), null when there is none now.",
            query: [
                .init(name: "api", description: "rosti or rosa", schema: ["enum": ["rosti", "rosa"]]),
                .init(name: "method", description: "e.g. POST", schema: ["type": "string"]),
                .init(name: "path", description: "regular expression searched in the path", schema: ["type": "string"]),
                .init(name: "status", description: "503, a class such as 5xx, dropped or garbage", schema: ["type": "string"]),
                .init(name: "tenant", description: "another tenant's journal, or * for every tenant's", schema: ["type": "string"]),
                .init(name: "limit", description: "entries per page (larger values give \(ControlPlaneLimits.journalPageMaximum))",
                      schema: ["type": "integer", "minimum": 1, "maximum": .integer(ControlPlaneLimits.journalEntriesMaximum),
                               "default": .integer(ControlPlaneLimits.journalPageDefault)]),
                .init(name: "before", description: "only entries with a smaller id: the page after one whose last entry had this id",
                      schema: ["type": "integer", "minimum": 0]),
                .init(name: "after", description: "only entries with a larger id (the oldest of them first to go on the page): what arrived since; not with before",
                      schema: ["type": "integer", "minimum": 0]),
            ],
            responses: [
                (200, "{\"tenant\": …, \"requests\": [entry, …], \"count\": <entries in this page>, \"kept\": …, \"evicted\": …, \"journal_size\": …, \"limit\": <page size>, \"has_more\": …, \"next\": \"/__admin/requests?…&before=<id>\" or null}"),
                (400, "An unknown parameter, a bad value, or both before and after"),
            ])
        ) { request in
            let query = try JournalQuery(request)
            let sources = try query.sources(request, emulator: emulator)
            let (entries, hasMore) = query.page(of: sources.flatMap(\.entries))
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return AdminReply.json([
                "tenant": .string(try query.tenant ?? request.tenant().name),
                "requests": .array(entries.map { $0.json(formatter: formatter) }),
                "count": .integer(entries.count),
                "kept": .integer(sources.map(\.kept).reduce(0, +)),
                "evicted": .integer(sources.map(\.evicted).reduce(0, +)),
                "journal_size": .integer(emulator.settings.value.journalSize),
                "limit": .integer(query.pageSize),
                "has_more": .bool(hasMore),
                "next": .optionalString(hasMore ? query.nextPage(of: request, entries: entries) : nil),
            ])
        }

        documentation.add(.delete, "requests", on: &router, AdminOperation(
            summary: "Clear the request journal",
            query: [.init(name: "tenant", description: "another tenant's journal, or * for every tenant's", schema: ["type": "string"])],
            responses: [(200, "{\"tenant\": …, \"cleared\": <entries>}")])
        ) { request in
            let query = try JournalQuery(request, allowing: ["tenant"])
            let cleared = try query.clear(request, emulator: emulator)
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
