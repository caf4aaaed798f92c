import EmulatorState
import Foundation
import Primitives
import RostiHosting
import Store

/// What a state of the Rosti API keeps beside its database: its storages' databases in the
/// engines. To the state layer (`StateFiles`) these are the storages' dumps in an export
/// document: `export` dumps each storage's database from its engine, an import's
/// `verifyImport`/`restore` hand the dumps over until the plug-in loads them into the
/// engines once the rows are in place (`StorageHosting`, on `TenantEvent.imported`).
///
/// It is the storages' part of the Rosti plug-in's files (`RostiStoredFiles`, which routes to
/// it every key that is not an app folder's). A dump travels as a labelled file ("rosti", key
/// the storage's id) whose contents are `StorageDumpFile` JSON: the engine, the password's hash as the engine
/// keeps it, and the SQL.
final class StorageDatabases: StateFiles {
    static let label = "rosti"

    /// The tenant whose storages these are and the engines they live in, once the plug-in
    /// knows them (`TenantEvent.opened`); until then an export has no dumps to take.
    private let binding = AdaptiveMutex<Binding?>(nil)
    /// An import's dumps by storage id, until the plug-in loads them.
    private let imported = AdaptiveMutex<[Int64: StorageDumpFile]>([:])
    /// Dumps an export took before reading the rows (`prepareExport`).
    private let exporting = AdaptiveMutex<[Int64: StorageDumpFile]>([:])

    struct Binding: Sendable {
        let storages: TenantStorages
        let hosting: StorageHosting
    }

    var documentLabel: String? { Self.label }

    func bind(_ storages: TenantStorages, hosting: StorageHosting) {
        binding.withLock { $0 = Binding(storages: storages, hosting: hosting) }
    }

    /// Takes the dumps an import left for the storages of `engine`.
    func takeImportedDumps(of engine: DatabaseEngine) -> [Int64: StorageDump] {
        imported.withLock { dumps in
            var taken: [Int64: StorageDump] = [:]
            for (id, file) in dumps where file.engine == engine.rawValue {
                taken[id] = StorageDump(verifier: file.verifier, sql: file.sql)
                dumps[id] = nil
            }
            return taken
        }
    }

    // MARK: StateFiles

    /// An import's dumps (a reset brings none): kept for the plug-in.
    func restore(_ files: [String: [UInt8]]) throws {
        var dumps: [Int64: StorageDumpFile] = [:]
        for (key, contents) in files {
            guard let id = Int64(key) else { continue }
            dumps[id] = try JSONDecoder().decode(StorageDumpFile.self, from: Data(contents))
        }
        imported.withLock { $0 = dumps }
    }

    func removeAll(except keep: Set<String>) throws {
        imported.withLock { dumps in dumps = dumps.filter { keep.contains(String($0.key)) } }
    }

    func storedKeys() throws -> Set<String> { Set(imported.withLock { $0.keys.map(String.init) }) }

    func remove(_ key: String) throws {
        guard let id = Int64(key) else { return }
        _ = imported.withLock { $0.removeValue(forKey: id) }
    }

    func removeStorage() {}

    /// Takes a dump of every storage whose engine holds its database, before the export
    /// locks the state: a dump waits for its engine, whose work may read this state. A
    /// storage of an engine that is not installed has none; an engine that is down or
    /// failed stops the export.
    func prepareExport() throws {
        guard let binding = binding.withLock({ $0 }) else { return }
        var taken: [Int64: StorageDumpFile] = [:]
        for engine in DatabaseEngine.allCases {
            for row in try binding.storages.rows(of: engine) {
                guard let dump = try binding.hosting.dump(storage: row.id, named: row.name, engine: engine, tenant: binding.storages.name)
                else { continue }
                taken[row.id] = StorageDumpFile(storage: row.id, engine: engine.rawValue, verifier: dump.verifier, sql: dump.sql)
            }
        }
        exporting.withLock { $0 = taken }
    }

    /// The dumps `prepareExport` took, for the storages the exported rows have (an
    /// import's dump not loaded yet goes as it came).
    func export(from conn: Connection) throws -> [StateDocument.File] {
        let waiting = imported.withLock { $0 }
        let taken = exporting.withLock { dumps in
            defer { dumps = [:] }
            return dumps
        }
        var files: [StateDocument.File] = []
        for row in try conn.fetchAll("SELECT id, engine FROM rosti_storages ORDER BY id") {
            let id: Int64 = try row["id"]
            let engine: String = try row["engine"]
            guard let file = waiting[id] ?? taken[id], file.engine == engine else { continue }
            files.append(StateDocument.File(key: String(id), contents: try file.encoded()))
        }
        return files
    }

    /// Each file is a dump of a storage the document has, of that storage's engine, once.
    func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        var engines: [Int64: String] = [:]
        for row in tables["rosti_storages"] ?? [] {
            guard case .integer(let id)? = row["id"]?.value, case .text(let engine)? = row["engine"]?.value else { continue }
            engines[id] = engine
        }
        var accepted: [String: [UInt8]] = [:]
        for (index, file) in files.enumerated() {
            let label = "files[\(index)] (\(Self.label) \(file.key ?? "without a key"))"
            guard let key = file.key, let id = Int64(key), String(id) == key else {
                throw StateImportError(problem: "\(label): the key must be a storage's id")
            }
            guard let contents = file.contents else {
                throw StateImportError(problem: "\(label): base64 is invalid or does not match size \(file.size)")
            }
            let dump: StorageDumpFile
            do {
                dump = try JSONDecoder().decode(StorageDumpFile.self, from: Data(contents))
            } catch {
                throw StateImportError(problem: "\(label): not a storage dump (\(error))")
            }
            guard dump.storage == id else { throw StateImportError(problem: "\(label): holds storage \(dump.storage)'s dump") }
            guard let engine = engines[id] else { throw StateImportError(problem: "\(label): rosti_storages has no storage \(id)") }
            guard engine == dump.engine else {
                throw StateImportError(problem: "\(label): a \(dump.engine) dump for a \(engine) storage")
            }
            guard accepted.updateValue(contents, forKey: key) == nil else { throw StateImportError(problem: "\(label): listed twice") }
        }
        return accepted
    }
}

/// One storage's dump in an export document.
struct StorageDumpFile: Codable, Sendable, Equatable {
    let storage: Int64
    let engine: String
    /// The engine's hash of the password (PostgreSQL's `SCRAM-SHA-256$…`, MariaDB's
    /// `<plugin> <authentication string>`), loaded as is so the password set before the
    /// export still opens it.
    let verifier: String?
    let sql: String

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(self))
    }
}
