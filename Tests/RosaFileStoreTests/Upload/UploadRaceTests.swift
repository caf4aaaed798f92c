import Dispatch
import Emulator
import EmulatorState
import Foundation
import Synchronization
import Testing

@testable import RosaFileStore
import TestSupport

/// An upload whose body is in but whose row is not written yet, racing a delete of the
/// same content, a reset or an import: each must end as 201 or a documented 4xx, with every
/// row's file stored and no file without a row (issue 20; docs/reliability.md).
@Suite struct UploadRaceTests {
    static let demo = RosaUser(id: 1, uname: "demo", role: "user")

    /// What an upload has between reading its body and recording it.
    func receivedFile(_ content: [UInt8], in state: StateStore) throws -> FinishedBlob {
        let writer = try state.blobs.beginWrite()
        try content.withUnsafeBytes { try writer.append($0) }
        return try writer.finish()
    }

    func expectConsistent(_ state: StateStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rows = Set(try state.database.read { conn in
            try conn.fetchAll("SELECT sha1 FROM rosa_files").map { try $0["sha1"] as String }
        })
        #expect(try state.blobs.storedHashes() == rows, sourceLocation: sourceLocation)
        let temporary = try FileManager.default.contentsOfDirectory(atPath: state.blobs.directory.appendingPathComponent("tmp").path)
        #expect(temporary == [], sourceLocation: sourceLocation)
    }

    @Test func aDeleteOfTheSameContentBeforeTheRowIsWrittenLeavesTheUploadStored() throws {
        let server = try RosaTestServer()
        let state = server.state
        let content = try #require(try state.blobs.contents(of: Seeded.helloSHA1))
        let received = try receivedFile(content, in: state)
        // The owner deletes the file while the new upload of the same bytes is in flight.
        try RosaFiles(state: state).delete(sha1: Seeded.helloSHA1, by: Self.demo)
        try RosaFiles(state: state).insert(received, fileName: "again.txt", contentType: nil, user: Self.demo, created: 1)
        #expect(try state.blobs.contents(of: Seeded.helloSHA1) == content)
        #expect(try RosaFiles(state: state).find(sha1: Seeded.helloSHA1)?.fileName == "again.txt")
        try expectConsistent(state)
    }

    @Test func aResetBeforeTheRowIsWrittenKeepsTheUploadInTheResetWorld() throws {
        let server = try RosaTestServer()
        let state = server.state
        let content = sampleBytes(1000, seed: 41)
        let received = try receivedFile(content, in: state)
        try state.reset()
        try RosaFiles(state: state).insert(received, fileName: "new.bin", contentType: nil, user: Self.demo, created: 1)
        #expect(try state.blobs.contents(of: sha1(content)) == content)
        try expectConsistent(state)
    }

    @Test func anImportBeforeTheRowIsWrittenKeepsTheUploadInTheImportedWorld() throws {
        let server = try RosaTestServer()
        let state = server.state
        let exported = try state.exportState()
        let content = sampleBytes(1000, seed: 42)
        let received = try receivedFile(content, in: state)
        try state.importState(exported)
        try RosaFiles(state: state).insert(received, fileName: "new.bin", contentType: nil, user: Self.demo, created: 1)
        #expect(try state.blobs.contents(of: sha1(content)) == content)
        try expectConsistent(state)
    }

    @Test func anUploaderWhoseAccountAResetRemovedIsRefusedAsUnknown() throws {
        let server = try RosaTestServer()
        let state = server.state
        let id = try state.database.write { conn in
            try conn.execute(
                "INSERT INTO rosa_users (uname, email, password, token, role, created) VALUES ('late', 'late@x.test', 'p', 'latetoken', 'user', 0)")
            return conn.lastInsertedRowID
        }
        let received = try receivedFile(sampleBytes(100, seed: 43), in: state)
        try state.reset()
        #expect(throws: RosaError.invalidCredentials) {
            try RosaFiles(state: state).insert(
                received, fileName: "x", contentType: nil, user: RosaUser(id: id, uname: "late", role: "user"), created: 1)
        }
        try expectConsistent(state)
    }

    /// The hostile run's shape over sockets: uploads of one content while its owner deletes
    /// it, and resets, all at once. Nothing answers 500; the state stays whole.
    @Test func uploadsDeletesAndResetsTogetherNeverAnswer500() throws {
        let server = try RosaTestServer()
        let content = sampleBytes(64 * 1024, seed: 44)
        let hash = sha1(content)
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 120) { round in
            let status: Int
            switch round % 3 {
            case 0: status = (try? server.upload(.file(content)).status) ?? -1
            case 1: status = (try? server.request("DELETE", "/api/v1/file_stores/\(hash).json", headers: [("Authorization", Auth.demo)]).status) ?? -1
            default:
                do {
                    try server.state.reset()
                    status = 200
                } catch {
                    status = 500
                }
            }
            statuses.withLock { $0.append(status) }
        }
        let seen = statuses.withLock { $0 }
        #expect(seen.allSatisfy { [200, 201, 204, 404, 422].contains($0) }, "statuses: \(Set(seen).sorted())")
        try server.expectNothingPartialLeft(rows: try server.fileRowCount(), hashes: try server.storedHashes())
        try expectConsistent(server.state)
    }
}
