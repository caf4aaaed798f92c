import Emulator
import EmulatorState
import Foundation
import HTTP
import Primitives
import RosaFileStore
import Store
import Synchronization
import TestSupport
import Testing

/// What the clients of one crash test sent and what the server acknowledged (a complete
/// 2xx answer), shared by the client threads.
final class CrashLedger: Sendable {
    struct Entries {
        /// Uploads by SHA-1: every one sent, and those answered 201 with that hash.
        var attemptedUploads: [String: [UInt8]] = [:]
        var acknowledgedUploads: Set<String> = []
        /// App names sent for creation, and the apps answered 200 (id → name).
        var attemptedAppNames: Set<String> = []
        var acknowledgedApps: [Int64: String] = [:]
        /// Snapshot jobs answered 200 (job id → snapshot id), and those whose completion
        /// `POST /__admin/jobs/{id}/complete` acknowledged.
        var acknowledgedSnapshotJobs: [Int64: Int64] = [:]
        var acknowledgedCompletions: Set<Int64> = []
        /// Requests that had no complete answer because the server died under them.
        var interrupted = 0
        /// Answers a client did not expect; client threads run outside the test's task, so
        /// they note problems here and the test reports them.
        var unexpectedAnswers: [String] = []
    }

    private let entries = AdaptiveMutex(Entries())

    func update<Result>(_ body: (inout Entries) -> Result) -> Result { entries.withLock { body(&$0) } }
    var snapshot: Entries { entries.withLock { $0 } }
}

/// Crash durability through the APIs: clients upload to Rosa, create Rosti apps and
/// complete snapshot jobs in parallel while the built `rostra` is SIGKILLed at a random
/// moment, `rounds` times over the same `--db`. After every kill the files the server left
/// are checked as they are (nothing repairs them first), then the server is restarted and
/// the last round's writes are read back through the APIs.
///
/// - Acknowledged means a complete 2xx answer was read. Every acknowledged write must be
///   there: upload rows with their bytes, apps with their container, completed jobs done
///   with their snapshot ready.
/// - Nothing unacknowledged is half there: every `rosa_files` row has its blob file, of
///   the row's size and whose SHA-1 is its name; a blob file without a row is allowed only
///   for an upload that was sent but not acknowledged (the kill fell between the file's
///   rename and the row's commit: the bytes are whole, nobody was told they are stored);
///   every app has its container row; no row names anything that was never sent.
/// - `PRAGMA integrity_check` is `ok` and `foreign_key_check` finds nothing, after every
///   kill.
/// - Temporary upload files of the killed process are gone once a server has restarted.
@Suite struct CrashThroughTheAPIsTests {
    /// Kill rounds; the issue asks for at least 50. About 0.5 s each on two cores.
    static let rounds = 50
    /// How long the clients run before the kill: a random moment in this range.
    static let killAfterMilliseconds = 50...400
    static let uploadClients = 2
    static let appClients = 1
    static let jobClients = 1
    /// Upload sizes: most small, so that many are acknowledged in 50 short rounds; one in
    /// `largeUploadOneIn` larger than the server's 256 KiB read buffer, so kills land
    /// between two reads of a body too.
    static let smallUploadBytes = 1...32_768
    static let largeUploadBytes = 262_145...600_000
    static let largeUploadOneIn = 8

    @Test func sigkillAtRandomMomentsLosesNoAcknowledgedWriteAndLeavesNothingHalfDone() throws {
        let scratch = try TemporaryDirectory()
        let databasePath = scratch.path("crash.sqlite")
        let ledger = CrashLedger()
        var verifiedBlobs: Set<String> = []
        var lastRound = CrashLedger.Entries()
        var leftovers = Leftovers()
        let started = Date()

        for round in 1...Self.rounds {
            let server = try ServedRostra(databasePath: databasePath, directory: scratch.url)
            // The previous kill's temporary files are removed on start.
            #expect(eventually { (try? FileManager.default.contentsOfDirectory(atPath: server.blobFolder + "/tmp"))?.isEmpty ?? true },
                    "round \(round): temporary upload files outlived the restart")
            try Self.readBack(acknowledgedAfter: lastRound, upTo: ledger.snapshot, through: server, round: round)
            lastRound = ledger.snapshot
            _ = try server.admin("PUT", "settings", json: #"{"rate_limit":1000000000}"#)

            // Clients run until a request fails (the kill) or `stop` is raised.
            let stop = SharedCounter()
            let group = DispatchGroup()
            let api = server.client
            let clients: [@Sendable (Int) -> Void] =
                Array(repeating: { Self.uploadClient(api, ledger, round: round, client: $0, stop: stop) }, count: Self.uploadClients)
                + Array(repeating: { Self.appClient(api, ledger, round: round, client: $0, stop: stop) }, count: Self.appClients)
                + Array(repeating: { _ in Self.jobClient(api, ledger, stop: stop) }, count: Self.jobClients)
            // Threads of their own: Dispatch's pool on two cores would run the blocking
            // clients one or two at a time.
            for (index, client) in clients.enumerated() {
                group.enter()
                Thread {
                    client(index)
                    group.leave()
                }.start()
            }
            usleep(UInt32(Int.random(in: Self.killAfterMilliseconds) * 1000))
            server.kill()
            stop.add(1)
            group.wait()

            leftovers = try Self.checkFilesLeftBehind(databasePath: databasePath, blobFolder: server.blobFolder, ledger: ledger.snapshot,
                                                      verifiedBlobs: &verifiedBlobs, round: round)
        }

        // The last round's writes, read back through a restarted server.
        let server = try ServedRostra(databasePath: databasePath, directory: scratch.url)
        try Self.readBack(acknowledgedAfter: lastRound, upTo: ledger.snapshot, through: server, round: Self.rounds + 1)
        #expect(server.stop() == 0)

        let totals = ledger.snapshot
        #expect(totals.unexpectedAnswers.isEmpty, "\(totals.unexpectedAnswers.prefix(5))")
        #expect(totals.acknowledgedUploads.count >= Self.rounds, "the clients got too little done to prove anything")
        #expect(totals.interrupted >= Self.rounds / 2, "kills should land while requests are in flight")
        print("crash test: \(Self.rounds) kills in \(Int(Date().timeIntervalSince(started))) s; acknowledged \(totals.acknowledgedUploads.count) uploads, "
              + "\(totals.acknowledgedApps.count) apps, \(totals.acknowledgedSnapshotJobs.count) snapshot jobs, "
              + "\(totals.acknowledgedCompletions.count) completions; \(totals.interrupted) requests cut by a kill; committed but never "
              + "acknowledged: \(leftovers.unacknowledgedUploadRows) uploads, \(leftovers.unacknowledgedApps) apps; "
              + "\(leftovers.orphanFiles) whole files of unacknowledged uploads without a row")
    }

    // MARK: Clients

    static func uploadClient(_ server: RostraClient, _ ledger: CrashLedger, round: Int, client: Int, stop: SharedCounter) {
        var sequence = 0
        while stop.current == 0 {
            sequence += 1
            // Unique content: a header naming the round, client and sequence, then noise.
            var content = Array("round \(round) client \(client) upload \(sequence) \(UUID().uuidString)\n".utf8)
            content += noise(count: Int.random(in: Int.random(in: 0..<largeUploadOneIn) == 0 ? largeUploadBytes : smallUploadBytes))
            let sha1 = SHA1.hexDigest(of: content)
            ledger.update { $0.attemptedUploads[sha1] = content }
            let boundary = "crash\(UUID().uuidString.prefix(8))"
            let body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"r\(round)-\(sequence).bin\"\r\n\r\n".utf8)
                + content + Array("\r\n--\(boundary)--\r\n".utf8)
            guard let answer = try? server.request(
                "rosa", "POST", "/api/v1/upload",
                headers: [("Authorization", ServedRostra.rosaDemoLogin), ("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                body: body)
            else {
                ledger.update { $0.interrupted += 1 }
                return
            }
            guard answer.status == 201, answer.text.contains(sha1) else {
                ledger.update { $0.unexpectedAnswers.append("upload of \(sha1): \(answer.status) \(answer.text)") }
                return
            }
            ledger.update { _ = $0.acknowledgedUploads.insert(sha1) }
        }
    }

    /// Pseudo-random bytes, fast even in a debug build (xorshift).
    static func noise(count: Int) -> [UInt8] {
        var state = UInt64.random(in: 1...UInt64.max)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes.append(UInt8(truncatingIfNeeded: state))
        }
        return bytes
    }

    static func appClient(_ server: RostraClient, _ ledger: CrashLedger, round: Int, client: Int, stop: SharedCounter) {
        var sequence = 0
        while stop.current == 0 {
            sequence += 1
            let name = "crash_r\(round)_c\(client)_\(sequence)"
            ledger.update { _ = $0.attemptedAppNames.insert(name) }
            guard let answer = try? server.request(
                "rosti", "POST", "/api/v1/1/apps/",
                headers: [("Authorization", "Token \(ServedRostra.rostiDemoToken)"), ("Content-Type", "application/json")],
                body: Array(#"{"name":"\#(name)"}"#.utf8))
            else {
                ledger.update { $0.interrupted += 1 }
                return
            }
            guard answer.status == 200, let id = jsonObject(answer)?["id"] as? Int64 else {
                ledger.update { $0.unexpectedAnswers.append("app creation answered \(answer.status) \(answer.text)") }
                return
            }
            ledger.update { $0.acknowledgedApps[id] = name }
        }
    }

    /// Snapshots of the seed's app 1201, each completed at once through the admin API.
    static func jobClient(_ server: RostraClient, _ ledger: CrashLedger, stop: SharedCounter) {
        while stop.current == 0 {
            guard let created = try? server.request(
                "rosti", "POST", "/api/v1/1/snapshots/",
                headers: [("Authorization", "Token \(ServedRostra.rostiDemoToken)"), ("Content-Type", "application/json")],
                body: Array(#"{"app":1201,"note":"crash test"}"#.utf8))
            else {
                ledger.update { $0.interrupted += 1 }
                return
            }
            guard created.status == 200, let job = jsonObject(created), let jobID = job["id"] as? Int64,
                  let snapshotID = job["snapshot"] as? Int64
            else {
                ledger.update { $0.unexpectedAnswers.append("snapshot answered \(created.status) \(created.text)") }
                return
            }
            ledger.update { $0.acknowledgedSnapshotJobs[jobID] = snapshotID }
            guard let completed = try? server.admin("POST", "jobs/\(jobID)/complete") else {
                ledger.update { $0.interrupted += 1 }
                return
            }
            guard completed.status == 200 else {
                ledger.update { $0.unexpectedAnswers.append("completing job \(jobID) answered \(completed.status) \(completed.text)") }
                return
            }
            ledger.update { _ = $0.acknowledgedCompletions.insert(jobID) }
        }
    }

    static func jsonObject(_ response: RawResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    // MARK: Checks

    /// The database and blob folder exactly as the kill left them.
    @discardableResult
    static func checkFilesLeftBehind(
        databasePath: String, blobFolder: String, ledger: CrashLedger.Entries, verifiedBlobs: inout Set<String>, round: Int
    ) throws -> Leftovers {
        let database = try Database(path: databasePath)
        let (integrity, foreignKeyProblems, fileRows, apps, appsWithoutContainer, jobs, snapshots) = try database.read { conn in
            (
                try conn.fetchValue(String.self, "PRAGMA integrity_check"),
                try conn.fetchAll("PRAGMA foreign_key_check").count,
                try conn.fetchAll("SELECT sha1, size FROM rosa_files").map { (try $0["sha1"] as String, try $0["size"] as Int64) },
                try conn.fetchAll("SELECT id, name FROM rosti_apps").map { (try $0["id"] as Int64, try $0["name"] as String) },
                try conn.fetchValue(Int.self, "SELECT count(*) FROM rosti_apps WHERE id NOT IN (SELECT app_id FROM rosti_app_containers)"),
                try conn.fetchAll("SELECT id, status, snapshot_id FROM rosti_jobs").map { (try $0["id"] as Int64, try $0["status"] as String) },
                try conn.fetchAll("SELECT id, status FROM rosti_snapshots").map { (try $0["id"] as Int64, try $0["status"] as String) }
            )
        }
        #expect(integrity == "ok", "round \(round): integrity_check: \(integrity ?? "nil")")
        #expect(foreignKeyProblems == 0, "round \(round): foreign_key_check found \(foreignKeyProblems) rows")

        // Rosa: acknowledged uploads are rows; rows have their whole file; files have rows
        // unless their upload was never acknowledged.
        let rowSizes = Dictionary(fileRows, uniquingKeysWith: { first, _ in first })
        let missingUploads = ledger.acknowledgedUploads.subtracting(rowSizes.keys)
        #expect(missingUploads.isEmpty, "round \(round): acknowledged uploads lost: \(missingUploads.sorted().prefix(5))")
        for (sha1, size) in rowSizes {
            let path = "\(blobFolder)/\(sha1.prefix(2))/\(sha1)"
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes?[.size] as? NSNumber)?.int64Value == size, "round \(round): row \(sha1) without its whole file")
            if let sent = ledger.attemptedUploads[sha1], !verifiedBlobs.contains(sha1) {
                #expect(FileManager.default.contents(atPath: path).map(Array.init) == sent, "round \(round): \(sha1) holds other bytes")
            }
        }
        for file in blobFiles(in: blobFolder) where !verifiedBlobs.contains(file.sha1) {
            let bytes = FileManager.default.contents(atPath: file.path).map(Array.init) ?? []
            #expect(SHA1.hexDigest(of: bytes) == file.sha1, "round \(round): \(file.sha1)'s bytes do not match its SHA-1")
            if rowSizes[file.sha1] == nil {
                #expect(ledger.attemptedUploads[file.sha1] != nil && !ledger.acknowledgedUploads.contains(file.sha1),
                        "round \(round): orphan file \(file.sha1) is not from an unacknowledged upload")
            } else {
                verifiedBlobs.insert(file.sha1)
            }
        }

        // Rosti: acknowledged apps are there under their name, each with its container;
        // every app is the seed's or one a client asked for.
        let appNames = Dictionary(apps, uniquingKeysWith: { first, _ in first })
        for (id, name) in ledger.acknowledgedApps {
            #expect(appNames[id] == name, "round \(round): acknowledged app \(id) \(name) is \(appNames[id] ?? "missing")")
        }
        for (id, name) in apps where name.hasPrefix("crash_") {
            #expect(ledger.attemptedAppNames.contains(name), "round \(round): app \(id) \(name) was never asked for")
        }
        #expect(appsWithoutContainer == 0, "round \(round): apps without their container")

        // Jobs: acknowledged ones exist; completed ones are done with their snapshot ready.
        let jobStatus = Dictionary(jobs, uniquingKeysWith: { first, _ in first })
        let snapshotStatus = Dictionary(snapshots, uniquingKeysWith: { first, _ in first })
        for (jobID, snapshotID) in ledger.acknowledgedSnapshotJobs {
            #expect(jobStatus[jobID] != nil, "round \(round): acknowledged job \(jobID) lost")
            #expect(snapshotStatus[snapshotID] != nil, "round \(round): acknowledged snapshot \(snapshotID) lost")
            if ledger.acknowledgedCompletions.contains(jobID) {
                #expect(jobStatus[jobID] == "done", "round \(round): completed job \(jobID) is \(jobStatus[jobID] ?? "missing")")
                #expect(snapshotStatus[snapshotID] == "ready", "round \(round): completed job's snapshot \(snapshotID) is not ready")
            }
        }
        return Leftovers(
            orphanFiles: blobFiles(in: blobFolder).filter { rowSizes[$0.sha1] == nil }.count,
            unacknowledgedUploadRows: rowSizes.keys.filter { ledger.attemptedUploads[$0] != nil && !ledger.acknowledgedUploads.contains($0) }.count,
            unacknowledgedApps: apps.filter { $0.1.hasPrefix("crash_") && ledger.acknowledgedApps[$0.0] == nil }.count)
    }

    /// Writes a kill left without their answer: allowed, and counted to show that kills
    /// do land between a write and its acknowledgement.
    struct Leftovers {
        var orphanFiles = 0
        var unacknowledgedUploadRows = 0
        var unacknowledgedApps = 0
    }

    /// The files of the blob folder's fan-out folders (not `tmp`).
    static func blobFiles(in folder: String) -> [(sha1: String, path: String)] {
        let fanOut = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.count == 2 } ?? []
        return fanOut.flatMap { prefix in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(prefix)")) ?? []).map { ($0, "\(folder)/\(prefix)/\($0)") }
        }
    }

    /// Through a restarted server: the writes acknowledged after `before` and up to `now`
    /// are served — uploads downloaded byte for byte, apps read, completed jobs done.
    static func readBack(
        acknowledgedAfter before: CrashLedger.Entries, upTo now: CrashLedger.Entries, through server: ServedRostra, round: Int
    ) throws {
        for sha1 in now.acknowledgedUploads.subtracting(before.acknowledgedUploads) {
            let download = try server.request("rosa", "GET", "/api/v1/file_stores/\(sha1)")
            #expect(download.status == 200 && download.body == now.attemptedUploads[sha1], "round \(round): upload \(sha1) not served back whole")
        }
        let token = [("Authorization", "Token \(ServedRostra.rostiDemoToken)")]
        for (id, name) in now.acknowledgedApps where before.acknowledgedApps[id] == nil {
            let app = try server.request("rosti", "GET", "/api/v1/1/apps/\(id)/", headers: token)
            #expect(app.status == 200 && jsonObject(app)?["name"] as? String == name, "round \(round): app \(id) not served back")
            #expect((jsonObject(app)?["ssh_access"] as? [Any])?.isEmpty == false, "round \(round): app \(id) without ssh_access")
        }
        for jobID in now.acknowledgedCompletions.subtracting(before.acknowledgedCompletions) {
            let job = try server.request("rosti", "GET", "/api/v1/1/jobs/\(jobID)/", headers: token)
            #expect(jsonObject(job)?["status"] as? String == "done", "round \(round): job \(jobID) not done after restart: \(job.text)")
        }
    }
}
