import Foundation
import Primitives
import Store
import Synchronization

/// The world a fresh or reset emulator starts from, loaded from a seed folder:
///
///     rosti.json      companies, accounts, plans, runtimes, apps, storages, snapshots, jobs
///     rosa.json       users, files
///     rosa-files/     the contents of the files rosa.json lists
///
/// Loading validates everything (syntax, fields, duplicates, references) and builds an
/// in-memory template database; stores copy the template, so a reset costs one page copy
/// and several stores (tenants) can share one `Seed`.
public final class Seed: Sendable {
    public static let rostiFileName = "rosti.json"
    public static let rosaFileName = "rosa.json"
    public static let rosaFilesFolderName = "rosa-files"

    /// What loading produces: the seeded template database and the seed's files.
    struct Contents: Sendable {
        /// The seeded state, never written after loading. Access goes through its lock.
        let template: Database
        /// The seed's stored files by SHA-1.
        let fileContents: [String: [UInt8]]
    }

    public let directory: URL
    private let contents: LoadOnce<Contents>

    private init(directory: URL, contents: LoadOnce<Contents>) {
        self.directory = directory
        self.contents = contents
    }

    /// Reads and validates the seed folder. Throws `SeedError` naming the file, the record
    /// and the problem; nothing outside memory is touched.
    public static func load(from directory: URL) throws -> Seed {
        let seed = Seed(directory: directory, contents: LoadOnce(try build(from: directory)))
        return seed
    }

    /// A seed read and validated when first needed, and returned at once. For a start-up
    /// that reuses an existing database, which needs the seed only for a later reset:
    /// reading it costs milliseconds of processor time that the listeners need not wait
    /// for, nor share two cores with. `rostra serve` calls `waitUntilLoaded()` on a thread
    /// of its own once it listens, which reports a broken seed.
    public static func loadWhenNeeded(from directory: URL) -> Seed {
        Seed(directory: directory, contents: LoadOnce(whenNeeded: { try build(from: directory) }))
    }

    /// Waits for the contents; throws the seed's error if it could not be loaded.
    public func waitUntilLoaded() throws {
        _ = try contents.value()
    }

    var template: Database {
        get throws { try contents.value().template }
    }

    var fileContents: [String: [UInt8]] {
        get throws { try contents.value().fileContents }
    }

    public var fileHashes: Set<String> {
        get throws { Set(try fileContents.keys) }
    }

    private static func build(from directory: URL) throws -> Contents {
        let template = try Database(path: Database.inMemoryPath, migrator: StateSchema.migrator)
        var loader = SeedLoader(directory: directory)
        try template.write { conn in
            try loader.loadRosti(into: conn)
            try loader.loadRosa(into: conn)
        }
        return Contents(template: template, fileContents: loader.fileContents)
    }
}

/// A value computed once — at once, or by its first reader — that other readers wait for.
final class LoadOnce<Value: Sendable>: Sendable {
    private enum State {
        case waiting(@Sendable () throws -> Value)
        case computing
        case done(Result<Value, any Error>)
    }

    private let state: AdaptiveMutex<State>
    /// Signalled once the value is done; each waiter passes the signal on.
    private let finished = DispatchSemaphore(value: 0)

    init(_ value: Value) {
        state = AdaptiveMutex(.done(.success(value)))
    }

    /// Computed by the first caller of `value()`; callers meanwhile wait for it.
    init(whenNeeded compute: @escaping @Sendable () throws -> Value) {
        state = AdaptiveMutex(.waiting(compute))
    }

    private enum Step {
        case have(Result<Value, any Error>)
        case compute(@Sendable () throws -> Value)
        case wait
    }

    func value() throws -> Value {
        let step: Step = state.withLock { state in
            switch state {
            case .done(let result): return .have(result)
            case .computing: return .wait
            case .waiting(let compute):
                state = .computing
                return .compute(compute)
            }
        }
        switch step {
        case .have(let result):
            return try result.get()
        case .compute(let compute):
            let result = Result { try compute() }
            state.withLock { $0 = .done(result) }
            finished.signal()
            return try result.get()
        case .wait:
            finished.wait()
            finished.signal()  // let the next waiter through too
            guard case .done(let result) = state.withLock({ $0 }) else { preconditionFailure("signalled before done") }
            return try result.get()
        }
    }
}

/// Values that must be unique within a collection, remembering who claimed each first.
private struct UniqueValues {
    private var owners: [String: String] = [:]

    mutating func claim(_ value: String, field: String, by record: SeedRecord) throws {
        let key = "\(field)\u{0}\(value)"
        if let owner = owners[key] {
            throw record.failure("duplicate \(field) \(value) (already used by \(owner))")
        }
        owners[key] = record.label
    }
}

private struct SeedLoader {
    let directory: URL
    var fileContents: [String: [UInt8]] = [:]

    // What later records may refer to, by id.
    private var companyIDs: Set<Int64> = []
    private var planIDs: Set<Int64> = []
    private var runtimeImages: Set<String> = []
    private var appCompanies: [Int64: Int64] = [:]
    private var snapshotCompanies: [Int64: Int64] = [:]
    private var rosaUserIDs: [String: Int64] = [:]

    init(directory: URL) { self.directory = directory }

    // MARK: Files and sections

    /// Built by string concatenation: URL.appendingPathComponent per record costs more
    /// than the rest of reading the record.
    private func path(_ name: String) -> String {
        let folder = directory.path
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private func parse(_ name: String, sections: [String]) throws -> [String: [JSONNode]] {
        let file = path(name)
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw SeedError(file: file, record: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        let root: JSONNode
        do {
            root = try SeedJSONParser.parse(bytes)
        } catch let syntax as JSONSyntaxError {
            throw SeedError(file: file, record: nil, problem: "invalid JSON at \(syntax)")
        }
        guard case .object(let members) = root.value else {
            throw SeedError(file: file, record: nil, problem: "expected a JSON object with the sections \(sections.joined(separator: ", "))")
        }
        var result: [String: [JSONNode]] = [:]
        for (key, node) in members {
            guard sections.contains(key) else {
                throw SeedError(file: file, record: nil, problem: "unknown section \"\(key)\" on line \(node.line) (expected \(sections.joined(separator: ", ")))")
            }
            guard case .array(let records) = node.value else {
                throw SeedError(file: file, record: nil, problem: "section \"\(key)\" on line \(node.line) must be an array")
            }
            result[key] = records
        }
        if let missing = sections.first(where: { result[$0] == nil }) {
            throw SeedError(file: file, record: nil, problem: "missing section \"\(missing)\"")
        }
        return result
    }

    /// Reads every record of a section; `body` reads its fields and inserts it. Database
    /// refusals are reported against the record too.
    private func forEachRecord(
        in sections: [String: [JSONNode]], _ section: String, file name: String,
        _ body: (inout SeedRecord) throws -> Void
    ) throws {
        let file = path(name)
        for (index, node) in (sections[section] ?? []).enumerated() {
            var record = try SeedRecord(file: file, collection: section, index: index, node: node)
            do {
                try body(&record)
            } catch let error as SeedError {
                throw error
            } catch {
                throw record.failure("rejected by the database: \(error)")
            }
            try record.finish()
        }
    }

    /// Reads `id`, which must be unique among ids of `kind`.
    private func claimID(_ record: inout SeedRecord, kind: String, in unique: inout UniqueValues) throws -> Int64 {
        let id = try record.int("id")
        try unique.claim("\(id)", field: "\(kind) id", by: record)
        return id
    }

    /// Reads `id` as `claimID` does and `company`, which must name an existing company.
    private func claimIDAndCompany(
        _ record: inout SeedRecord, kind: String, in unique: inout UniqueValues
    ) throws -> (Int64, Int64) {
        let id = try claimID(&record, kind: kind, in: &unique)
        let company = try record.int("company")
        try reference(company, in: companyIDs, field: "company", kind: "company", record)
        return (id, company)
    }

    private func reference(_ id: Int64, in known: Set<Int64>, field: String, kind: String, _ record: SeedRecord) throws {
        guard known.contains(id) else { throw record.failure("field \"\(field)\" names \(kind) \(id), which does not exist") }
    }

    private static func jsonArray(_ strings: [String]) -> String {
        SeedRecord.json(JSONNode(value: .array(strings.map { JSONNode(value: .string($0), line: 0) }), line: 0))
    }

    // MARK: Rosti

    mutating func loadRosti(into conn: Connection) throws {
        let name = Seed.rostiFileName
        let sections = try parse(
            name, sections: ["companies", "accounts", "plans", "runtimes", "apps", "storages", "snapshots", "jobs"])

        var unique = UniqueValues()
        try forEachRecord(in: sections, "companies", file: name) { record in
            let id = try claimID(&record, kind: "company", in: &unique)
            try conn.execute(
                "INSERT INTO rosti_companies (id, name, created) VALUES (?, ?, ?)",
                [id, try record.string("name"), try record.time("created")])
            companyIDs.insert(id)
        }
        try forEachRecord(in: sections, "accounts", file: name) { record in
            let id = try claimID(&record, kind: "account", in: &unique)
            let email = try record.string("email")
            try unique.claim(email.lowercased(), field: "account email", by: record)
            let token = try record.string("token")
            try unique.claim(token, field: "account token", by: record)
            guard token.utf8.count == 40, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw record.failure("field \"token\" must be 40 letters or digits")
            }
            try conn.execute(
                "INSERT INTO rosti_accounts (id, email, name, token, created) VALUES (?, ?, ?, ?, ?)",
                [id, email, try record.string("name"), token, try record.time("created")])
            let companies = try record.intArray("companies")
            let defaultCompany = try record.int("default_company")
            guard companies.contains(defaultCompany) else {
                throw record.failure("field \"default_company\" (\(defaultCompany)) is not one of its \"companies\"")
            }
            guard Set(companies).count == companies.count else {
                throw record.failure("field \"companies\" lists a company twice")
            }
            for company in companies {
                try reference(company, in: companyIDs, field: "companies", kind: "company", record)
                try conn.execute(
                    "INSERT INTO rosti_memberships (account_id, company_id, is_default) VALUES (?, ?, ?)",
                    [id, company, company == defaultCompany])
            }
        }
        try forEachRecord(in: sections, "plans", file: name) { record in
            let id = try claimID(&record, kind: "plan", in: &unique)
            let planName = try record.string("name")
            try unique.claim(planName, field: "plan name", by: record)
            try conn.execute(
                "INSERT INTO rosti_plans (id, name, ram_mb, disk_gb, price, cpu_quota) VALUES (?, ?, ?, ?, ?, ?)",
                [id, planName, try record.int("ram"), try record.int("disk"), try record.int("price"),
                 try record.int("cpu_quota")])
            planIDs.insert(id)
        }
        var defaultRuntimes: [String] = []
        try forEachRecord(in: sections, "runtimes", file: name) { record in
            let id = try claimID(&record, kind: "runtime", in: &unique)
            let image = try record.string("image")
            try unique.claim(image, field: "runtime image", by: record)
            let isDefault = try record.bool("default")
            if isDefault, let first = defaultRuntimes.first {
                throw record.failure("a second default runtime (\(first) is already the default)")
            }
            if isDefault { defaultRuntimes.append(record.label) }
            try conn.execute(
                "INSERT INTO rosti_runtimes (id, image, is_default, is_shown) VALUES (?, ?, ?, ?)",
                [id, image, isDefault, try record.bool("show")])
            runtimeImages.insert(image)
        }
        if !(sections["runtimes"] ?? []).isEmpty && defaultRuntimes.isEmpty {
            throw SeedError(file: path(name), record: nil, problem: "no runtime has \"default\": true (new apps need one)")
        }
        try forEachRecord(in: sections, "apps", file: name) { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "app", in: &unique)
            let plan = try record.int("plan")
            try reference(plan, in: planIDs, field: "plan", kind: "plan", record)
            let image = try record.string("image")
            guard runtimeImages.contains(image) else {
                throw record.failure("field \"image\" names runtime \"\(image)\", which does not exist")
            }
            try conn.execute(
                """
                INSERT INTO rosti_apps (id, company_id, name, created, enabled, image, domains, mode, plan_id,
                    ssh_keys, smtp_username, smtp_token, app_port)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("name"), try record.time("date"), try record.bool("enabled"), image,
                 Self.jsonArray(try record.stringArray("domains")), try record.string("mode", oneOf: ["https+le", "http"]),
                 plan, Self.jsonArray(try record.stringArray("ssh_keys")), try record.string("smtp_username"),
                 try record.string("smtp_token"), try record.int("app_port")])
            let access = try record.array("ssh_access")
            guard !access.isEmpty else { throw record.failure("field \"ssh_access\" needs at least one container") }
            for (index, node) in access.enumerated() {
                var container = try SeedRecord(file: record.file, collection: "\(record.label).ssh_access", index: index, node: node)
                try conn.execute(
                    "INSERT INTO rosti_app_containers (app_id, ssh_hostname, ssh_port, ssh_username) VALUES (?, ?, ?, ?)",
                    [id, try container.string("hostname"), try container.int("port"), try container.string("username")])
                try container.finish()
            }
            appCompanies[id] = company
        }
        try forEachRecord(in: sections, "storages", file: name) { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "storage", in: &unique)
            let storageName = try record.string("name")
            try unique.claim(storageName, field: "storage name", by: record)
            let username = try record.string("username")
            try unique.claim(username, field: "storage username", by: record)
            try conn.execute(
                """
                INSERT INTO rosti_storages (id, company_id, engine, name, username, hostname, port, note, created, password)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("engine", oneOf: ["mariadb", "pgsql"]), storageName, username,
                 try record.string("hostname"), try record.int("port"), try record.string("note"),
                 try record.time("date"), try record.string("password")])
        }
        try forEachRecord(in: sections, "snapshots", file: name) { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "snapshot", in: &unique)
            let app = try record.optionalInt("app")
            if let app { try checkApp(app, belongsTo: company, record) }
            try conn.execute(
                """
                INSERT INTO rosti_snapshots (id, company_id, app_id, app_name, note, created, size, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, app, try record.string("app_name"), try record.string("note"), try record.time("date"),
                 try record.int("size"), try record.string("status", oneOf: ["pending", "ready", "failed"])])
            snapshotCompanies[id] = company
        }
        try forEachRecord(in: sections, "jobs", file: name) { record in
            let (id, company) = try claimIDAndCompany(&record, kind: "job", in: &unique)
            let app = try record.optionalInt("app")
            if let app { try checkApp(app, belongsTo: company, record) }
            let snapshot = try record.optionalInt("snapshot")
            if let snapshot {
                guard let owner = snapshotCompanies[snapshot] else {
                    throw record.failure("field \"snapshot\" names snapshot \(snapshot), which does not exist")
                }
                guard owner == company else {
                    throw record.failure("snapshot \(snapshot) belongs to company \(owner), not \(company)")
                }
            }
            try conn.execute(
                """
                INSERT INTO rosti_jobs (id, company_id, kind, status, app_id, snapshot_id, progress, message, created,
                    started, finished, pending_until, running_until, params)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [id, company, try record.string("kind", oneOf: ["snapshot", "restore", "new_app"]),
                 try record.string("status", oneOf: ["pending", "running", "done", "failed"]), app, snapshot,
                 try record.int("progress"), try record.string("message"), try record.time("created"),
                 try record.optionalTime("started"), try record.optionalTime("finished"),
                 try record.optionalTime("pending_until"), try record.optionalTime("running_until"),
                 record.isPresent("params") ? try record.objectJSON("params") : "{}"])
        }
    }

    private func checkApp(_ app: Int64, belongsTo company: Int64, _ record: SeedRecord) throws {
        guard let owner = appCompanies[app] else {
            throw record.failure("field \"app\" names app \(app), which does not exist")
        }
        guard owner == company else { throw record.failure("app \(app) belongs to company \(owner), not \(company)") }
    }

    // MARK: Rosa

    mutating func loadRosa(into conn: Connection) throws {
        let name = Seed.rosaFileName
        let sections = try parse(name, sections: ["users", "files"])
        var unique = UniqueValues()
        try forEachRecord(in: sections, "users", file: name) { record in
            let id = try claimID(&record, kind: "user", in: &unique)
            let uname = try record.string("uname")
            try unique.claim(uname, field: "uname", by: record)
            let email = try record.string("email")
            try unique.claim(email.lowercased(), field: "email", by: record)
            let token = try record.string("token")
            try unique.claim(token, field: "token", by: record)
            try conn.execute(
                "INSERT INTO rosa_users (id, uname, email, password, token, role, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [id, uname, email, try record.string("password"), token,
                 try record.string("role", oneOf: ["user", "admin", "system"]), try record.time("created")])
            rosaUserIDs[uname] = id
        }
        try forEachRecord(in: sections, "files", file: name) { record in
            let id = try claimID(&record, kind: "file", in: &unique)
            let owner = try record.string("owner")
            guard let userID = rosaUserIDs[owner] else {
                throw record.failure("field \"owner\" names user \"\(owner)\", which does not exist")
            }
            let contents = try readSeedFile(try record.string("file"), record)
            let sha1 = SHA1.hexDigest(of: contents)
            try unique.claim(sha1, field: "content (SHA-1)", by: record)
            try conn.execute(
                "INSERT INTO rosa_files (id, sha1, file_name, size, content_type, user_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [id, sha1, try record.string("file_name"), contents.count, try record.optionalString("content_type"),
                 userID, try record.time("created")])
            fileContents[sha1] = contents
        }
    }

    private func readSeedFile(_ relativePath: String, _ record: SeedRecord) throws -> [UInt8] {
        let components = relativePath.split(separator: "/")
        guard !relativePath.hasPrefix("/"), !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw record.failure("field \"file\" must be a path inside \(Seed.rosaFilesFolderName)/, got \"\(relativePath)\"")
        }
        let url = directory.appendingPathComponent(Seed.rosaFilesFolderName).appendingPathComponent(relativePath)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw record.failure("field \"file\" names \(url.path), which does not exist") }
        guard size <= StateLimits.seedFileMaximumBytes else {
            throw record.failure("\(url.path) is \(size) bytes; seed files are limited to \(StateLimits.seedFileMaximumBytes)")
        }
        guard size > 0 else { throw record.failure("\(url.path) is empty (the Rosa API refuses empty files)") }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw record.failure("\(url.path) cannot be read (\(error.localizedDescription))")
        }
    }
}
