import Foundation
import JSON
import Primitives
import Store
import Synchronization

/// The world a fresh or reset emulator starts from, loaded from a seed folder in which
/// each plug-in reads files of its own (the shipped folder: `rosti.json` for the Rosti
/// API, `rosa.json` and `rosa-files/` for the Rosa File Store).
///
/// Loading validates everything (syntax, fields, duplicates, references) and builds an
/// in-memory template database; stores copy the template, so a reset costs one page copy
/// and several stores (tenants) can share one `Seed`.
public final class Seed: Sendable {
    /// What loading produces: the seeded template database and the seed's files.
    struct Contents: Sendable {
        /// The seeded state, never written after loading. Access goes through its lock.
        let template: Database
        /// The files each plug-in keeps beside its rows, by plug-in (in schema order).
        let files: [[String: [UInt8]]]
    }

    public let directory: URL
    public let schema: StateSchema
    private let contents: LoadOnce<Contents>

    private init(directory: URL, schema: StateSchema, contents: LoadOnce<Contents>) {
        self.directory = directory
        self.schema = schema
        self.contents = contents
    }

    /// Reads and validates the seed folder with every plug-in. Throws `SeedError` naming
    /// the file, the record and the problem; nothing outside memory is touched.
    public static func load(from directory: URL, schema: StateSchema) throws -> Seed {
        Seed(directory: directory, schema: schema, contents: LoadOnce(try build(from: directory, schema: schema)))
    }

    /// A seed read and validated when first needed, and returned at once. For a start-up
    /// that reuses an existing database, which needs the seed only for a later reset:
    /// reading it costs milliseconds of processor time that the listeners need not wait
    /// for, nor share two cores with. `rostra serve` calls `waitUntilLoaded()` on a thread
    /// of its own once it listens, which reports a broken seed.
    public static func loadWhenNeeded(from directory: URL, schema: StateSchema) -> Seed {
        Seed(directory: directory, schema: schema, contents: LoadOnce(whenNeeded: { try build(from: directory, schema: schema) }))
    }

    /// Waits for the contents; throws the seed's error if it could not be loaded.
    public func waitUntilLoaded() throws {
        _ = try contents.value()
    }

    var template: Database {
        get throws { try contents.value().template }
    }

    /// The files plug-in number `index` of the schema keeps beside its seeded rows.
    func files(ofPlugin index: Int) throws -> [String: [UInt8]] {
        try contents.value().files[index]
    }

    /// The files the plug-in called `name` keeps beside its seeded rows, by key (empty for
    /// a plug-in that keeps none, or that this seed's schema does not have).
    public func files(ofPluginNamed name: String) throws -> [String: [UInt8]] {
        guard let index = schema.plugins.firstIndex(where: { $0.name == name }) else { return [:] }
        return try files(ofPlugin: index)
    }

    private static func build(from directory: URL, schema: StateSchema) throws -> Contents {
        let template = try Database(path: Database.inMemoryPath, migrator: schema.migrator)
        let files = try template.write { conn in
            try schema.plugins.map { try $0.loadSeed(from: directory, into: conn) }
        }
        return Contents(template: template, files: files)
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
public struct UniqueValues {
    private var owners: [String: String] = [:]

    public init() {}

    public mutating func claim(_ value: String, field: String, by record: SeedRecord) throws {
        let key = "\(field)\u{0}\(value)"
        if let owner = owners[key] {
            throw record.failure("duplicate \(field) \(value) (already used by \(owner))")
        }
        owners[key] = record.label
    }
}

/// One JSON file of a seed folder: an object of sections, each an array of records, read
/// record by record with every problem reported against file, record and line.
public struct SeedFile {
    /// The file's path, as messages name it.
    public let path: String
    private let sections: [String: [LocatedJSON]]

    /// Reads `name` in `directory`, which must hold exactly the sections `sections`.
    public init(directory: URL, name: String, sections expected: [String]) throws {
        path = Self.path(name, in: directory)
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SeedError(file: path, record: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        let root: LocatedJSON
        do {
            root = try JSONParser.parseDocument(bytes, options: Self.parserOptions).root
        } catch {
            throw SeedError(file: path, record: nil, problem: "invalid JSON at line \(error.line), column \(error.column): \(error.explanation)")
        }
        guard let members = root.members else {
            throw SeedError(file: path, record: nil, problem: "expected a JSON object with the sections \(expected.joined(separator: ", "))")
        }
        var sections: [String: [LocatedJSON]] = [:]
        for (key, node) in members {
            guard expected.contains(key) else {
                throw SeedError(file: path, record: nil, problem: "unknown section \"\(key)\" on line \(node.line) (expected \(expected.joined(separator: ", ")))")
            }
            guard let records = node.elements else {
                throw SeedError(file: path, record: nil, problem: "section \"\(key)\" on line \(node.line) must be an array")
            }
            sections[key] = records
        }
        if let missing = expected.first(where: { sections[$0] == nil }) {
            throw SeedError(file: path, record: nil, problem: "missing section \"\(missing)\"")
        }
        self.sections = sections
    }

    /// Seed files are read as Python reads JSON, but a key repeated in one object is an
    /// error (Python would keep the last value silently), and a UTF-8 byte order mark, which
    /// editors on some systems write, is skipped.
    static let parserOptions = JSONParser.Options(skipsByteOrderMark: true, refusesDuplicateKeys: true)

    /// `directory/name`, built by string concatenation: URL.appendingPathComponent per
    /// record costs more than the rest of reading the record.
    public static func path(_ name: String, in directory: URL) -> String {
        let folder = directory.path
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// Whether `section` has no record.
    public func isEmpty(_ section: String) -> Bool { sections[section]?.isEmpty ?? true }

    /// A problem with the file as a whole.
    public func failure(_ problem: String) -> SeedError {
        SeedError(file: path, record: nil, problem: problem)
    }

    /// Reads every record of a section; `body` reads its fields and inserts it. Database
    /// refusals are reported against the record too, and so are fields nobody read.
    public func forEachRecord(in section: String, _ body: (inout SeedRecord) throws -> Void) throws {
        for (index, node) in (sections[section] ?? []).enumerated() {
            var record = try SeedRecord(file: path, collection: section, index: index, node: node)
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
}

extension SeedRecord {
    /// Reads `id`, which must be unique among ids of `kind`.
    public mutating func claimID(kind: String, in unique: inout UniqueValues) throws -> Int64 {
        let id = try int("id")
        try unique.claim("\(id)", field: "\(kind) id", by: self)
        return id
    }

    /// Fails unless `id`, the value of `field`, is one of `known` ids of `kind`.
    public func reference(_ id: Int64, in known: Set<Int64>, field: String, kind: String) throws {
        guard known.contains(id) else { throw failure("field \"\(field)\" names \(kind) \(id), which does not exist") }
    }

    /// Strings as a JSON array text, for JSON columns (as the APIs write them, DRF's way).
    public static func jsonArray(_ strings: [String]) -> String {
        JSONWriter.text(.array(strings.map(JSONValue.string)), .djangoREST)
    }
}
