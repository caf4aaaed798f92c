import Emulator
import EmulatorState
import Store

/// One stored file as the API reports it.
struct RosaFileRecord: Sendable, Equatable {
    struct Owner: Sendable, Equatable {
        let id: Int64
        let uname: String
    }

    let sha1: String
    let fileName: String
    let size: Int64
    let owner: Owner
}

/// What the handlers ask of `rosa_files`, and the order in which rows and blobs change so
/// that no row ever points at a missing file (docs/state.md, "Blobs").
struct RosaFiles {
    let state: StateStore

    func find(sha1: String) throws -> RosaFileRecord? {
        try state.database.read { conn in
            try conn.fetchOne(
                """
                SELECT f.sha1, f.file_name, f.size, u.id AS owner_id, u.uname
                FROM rosa_files f JOIN rosa_users u ON u.id = f.user_id WHERE f.sha1 = ?
                """, [sha1]
            ).map { row in
                RosaFileRecord(
                    sha1: try row["sha1"], fileName: try row["file_name"], size: try row["size"],
                    owner: .init(id: try row["owner_id"], uname: try row["uname"]))
            }
        }
    }

    /// Publishes a received file at its content address and records it as `fileName`,
    /// uploaded by `user` at `created`.
    ///
    /// The duplicate check, the publication and the insert are one write transaction:
    /// two uploads of the same content cannot both succeed, and a delete, reset or import
    /// of the same content (each touches blobs under the same writer lock) runs wholly
    /// before or after it, so no row points at a missing file and no race answers 500.
    /// A duplicate leaves the stored blob alone: it is the file the existing row points at.
    /// If the uploader's account went with a reset or import meanwhile, the upload is
    /// refused as from unknown credentials (401), as it would be if sent a moment later.
    func insert(_ file: FinishedBlob, fileName: String, contentType: String?, user: RosaUser, created: Double) throws {
        let blob = file.blob
        var published = false
        defer { file.discard() }
        do {
            try state.database.write { conn in
                if try conn.fetchOne("SELECT 1 FROM rosa_files WHERE sha1 = ?", [blob.sha1]) != nil {
                    throw RosaError.duplicateFile(sha1: blob.sha1)
                }
                guard try conn.fetchOne("SELECT 1 FROM rosa_users WHERE id = ? AND uname = ?", [user.id, user.uname]) != nil else {
                    throw RosaError.invalidCredentials
                }
                try file.publish()
                published = true
                try conn.execute(
                    """
                    INSERT INTO rosa_files (sha1, file_name, size, content_type, user_id, created)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, [blob.sha1, fileName, blob.size, contentType, user.id, created])
            }
        } catch let error as RosaError {
            throw error
        } catch {
            // The row did not land: the blob must not stay unless some row refers to it.
            if published {
                try? state.database.write { conn in
                    if try conn.fetchOne("SELECT 1 FROM rosa_files WHERE sha1 = ?", [blob.sha1]) == nil {
                        try state.blobs.remove(blob.sha1)
                    }
                }
            }
            throw error
        }
    }

    /// Deletes the file if `user` owns it or is an admin: `notFound`, `accessViolation`.
    ///
    /// The row and then the blob go inside one write transaction: an upload of the same
    /// content waits for the writer lock to insert its row, so it can never insert a row
    /// whose blob this delete removes afterwards (it finds the blob gone and fails instead).
    func delete(sha1: String, by user: RosaUser) throws {
        try state.database.write { conn in
            guard let ownerID = try conn.fetchValue(Int64.self, "SELECT user_id FROM rosa_files WHERE sha1 = ?", [sha1])
            else { throw RosaError.notFound }
            guard ownerID == user.id || user.isAdmin else { throw RosaError.accessViolation }
            try conn.execute("DELETE FROM rosa_files WHERE sha1 = ?", [sha1])
            try state.blobs.remove(sha1)
        }
    }
}
