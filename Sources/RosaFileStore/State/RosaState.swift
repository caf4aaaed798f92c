import EmulatorState
import Foundation
import Store

/// The Rosa File Store's share of the emulator's state: users and file rows in the
/// database, the files' bytes in a blob folder beside it (`<database>-blobs/`).
public struct RosaState: StatePlugin {
    public static let seedFileName = "rosa.json"
    /// The folder of a seed that holds the contents of the files `rosa.json` lists.
    public static let seedFilesFolderName = "rosa-files"

    public let name = "rosa"
    public let tables = ["rosa_users", "rosa_files"]

    public init() {}

    public var schemaSteps: [SchemaStep] {
        [SchemaStep(version: 1, name: "rosa state", sql: Self.version1)]
    }

    // AUTOINCREMENT keeps ids of deleted rows from coming back, as the real service's ids
    // behave.
    private static let version1 = """
        -- Passwords in plain text: this is an emulator with well-known development
        -- credentials, and tests may want to read them back.
        CREATE TABLE rosa_users (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uname TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password TEXT NOT NULL,
            token TEXT NOT NULL UNIQUE CHECK (token <> ''),
            role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'system')),
            created REAL NOT NULL
        );
        -- The bytes live in the blob store under sha1, never in this table.
        CREATE TABLE rosa_files (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sha1 TEXT NOT NULL UNIQUE CHECK (length(sha1) = 40 AND sha1 NOT GLOB '*[^0-9a-f]*'),
            file_name TEXT NOT NULL CHECK (file_name <> ''),
            size INTEGER NOT NULL CHECK (size >= 0),
            content_type TEXT,
            user_id INTEGER NOT NULL REFERENCES rosa_users(id),
            created REAL NOT NULL
        );
        CREATE INDEX rosa_files_by_user ON rosa_files (user_id);
        """

    public func openFiles(for location: StateStore.Location) throws -> (any StateFiles)? {
        switch location {
        case .memory: return RosaStoredFiles(blobs: try BlobStore.temporary())
        case .file(let path): return RosaStoredFiles(blobs: try BlobStore(directory: URL(fileURLWithPath: path + "-blobs", isDirectory: true)))
        }
    }

    // MARK: Seed

    /// Reads `rosa.json` (users, files) and the contents `rosa-files/` holds for its files.
    public func loadSeed(from directory: URL, into conn: Connection) throws -> [String: [UInt8]] {
        let file = try SeedFile(directory: directory, name: Self.seedFileName, sections: ["users", "files"])
        var unique = UniqueValues()
        var userIDs: [String: Int64] = [:]
        var contentsBySHA1: [String: [UInt8]] = [:]
        try file.forEachRecord(in: "users") { record in
            let id = try record.claimID(kind: "user", in: &unique)
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
            userIDs[uname] = id
        }
        try file.forEachRecord(in: "files") { record in
            let id = try record.claimID(kind: "file", in: &unique)
            let owner = try record.string("owner")
            guard let userID = userIDs[owner] else {
                throw record.failure("field \"owner\" names user \"\(owner)\", which does not exist")
            }
            let contents = try readSeedFile(try record.string("file"), in: directory, record)
            let sha1 = SHA1.hexDigest(of: contents)
            try unique.claim(sha1, field: "content (SHA-1)", by: record)
            try conn.execute(
                "INSERT INTO rosa_files (id, sha1, file_name, size, content_type, user_id, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [id, sha1, try record.string("file_name"), contents.count, try record.optionalString("content_type"),
                 userID, try record.time("created")])
            contentsBySHA1[sha1] = contents
        }
        return contentsBySHA1
    }

    private func readSeedFile(_ relativePath: String, in directory: URL, _ record: SeedRecord) throws -> [UInt8] {
        let components = relativePath.split(separator: "/")
        guard !relativePath.hasPrefix("/"), !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw record.failure("field \"file\" must be a path inside \(Self.seedFilesFolderName)/, got \"\(relativePath)\"")
        }
        let url = directory.appendingPathComponent(Self.seedFilesFolderName).appendingPathComponent(relativePath)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw record.failure("field \"file\" names \(url.path), which does not exist") }
        guard size <= RosaFileStoreLimits.seedFileMaximumBytes else {
            throw record.failure("\(url.path) is \(size) bytes; seed files are limited to \(RosaFileStoreLimits.seedFileMaximumBytes)")
        }
        guard size > 0 else { throw record.failure("\(url.path) is empty (the Rosa API refuses empty files)") }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw record.failure("\(url.path) cannot be read (\(error.localizedDescription))")
        }
    }
}

/// The Rosa File Store's files beside the database: the blob store, and how resets,
/// exports and imports reach it. Rows of `rosa_files` refer to files by SHA-1.
public struct RosaStoredFiles: StateFiles {
    public let blobs: BlobStore

    public func restore(_ files: [String: [UInt8]]) throws {
        for (sha1, contents) in files where try blobs.size(of: sha1) != Int64(contents.count) {
            try blobs.write(contents)
        }
    }

    public func removeAll(except keep: Set<String>) throws { try blobs.removeAll(except: keep) }

    public func storedKeys() throws -> Set<String> { try blobs.storedHashes() }

    public func remove(_ key: String) throws { try blobs.remove(key) }

    public func removeStorage() { try? FileManager.default.removeItem(at: blobs.directory) }

    public func export(from conn: Connection) throws -> [StateDocument.File] {
        var files: [StateDocument.File] = []
        try conn.forEachRow("SELECT sha1 FROM rosa_files ORDER BY sha1") { row in
            let sha1: String = try row["sha1"]
            guard let contents = try blobs.contents(of: sha1) else {
                throw StateExportError(problem: "stored file \(sha1) is missing from \(blobs.directory.path)")
            }
            files.append(StateDocument.File(sha1: sha1, size: Int64(contents.count), base64: Data(contents).base64EncodedString()))
        }
        return files
    }

    /// The files decoded and checked against their SHA-1 and size, by SHA-1; exactly one
    /// per `rosa_files` row.
    public func verifyImport(_ files: [StateDocument.File], tables: [String: [StateDocument.Row]]) throws -> [String: [UInt8]] {
        var contents: [String: [UInt8]] = [:]
        for (index, file) in files.enumerated() {
            let label = "files[\(index)] (\(file.sha1))"
            guard let data = Data(base64Encoded: file.base64) else {
                throw StateImportError(problem: "\(label): base64 is invalid")
            }
            let bytes = [UInt8](data)
            guard SHA1.hexDigest(of: bytes) == file.sha1 else {
                throw StateImportError(problem: "\(label): content does not match its SHA-1")
            }
            guard Int64(bytes.count) == file.size else {
                throw StateImportError(problem: "\(label): size is \(bytes.count), not \(file.size)")
            }
            guard contents.updateValue(bytes, forKey: file.sha1) == nil else {
                throw StateImportError(problem: "\(label): listed twice")
            }
        }
        let referenced = Set((tables["rosa_files"] ?? []).compactMap { row -> String? in
            guard case .text(let sha1)? = row["sha1"]?.value else { return nil }
            return sha1
        })
        if let missing = referenced.subtracting(contents.keys).sorted().first {
            throw StateImportError(problem: "rosa_files has \(missing) but files has no content for it")
        }
        if let extra = Set(contents.keys).subtracting(referenced).sorted().first {
            throw StateImportError(problem: "files has \(extra) but no rosa_files row refers to it")
        }
        return contents
    }
}

extension Seed {
    /// The SHA-1s of the files the seed's `rosa.json` lists.
    public var fileHashes: Set<String> {
        get throws { Set(try files(ofPluginNamed: RosaState().name).keys) }
    }
}

extension StateStore {
    /// The Rosa File Store's uploaded bytes, by SHA-1.
    public var blobs: BlobStore { files(RosaStoredFiles.self).blobs }
}
