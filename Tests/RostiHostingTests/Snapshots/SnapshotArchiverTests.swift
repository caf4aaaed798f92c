#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Processes
import RostiHosting
import Synchronization
import Testing
import TestSupport

/// An app's `/srv` into one archive and back, as a snapshot and a restore do.
@Suite struct SnapshotArchiverTests {
    /// A `/srv` with what a snapshot keeps and what the platform's backups leave out.
    static func makeSrv(at root: String) throws {
        let files: [String: String] = [
            "app/main.py": "print('hi')\n", "app/templates/index.html": "<h1>hi</h1>\n", ".env": "SECRET=1\n",
            "conf/crontab": "* * * * * true\n", "conf/supervisor.d/app.conf": "[program:app]\n",
            "app/__pycache__/main.cpython-311.pyc": "compiled", "log/nginx.log": "GET /\n", "app/debug.log": "debug\n",
            ".npm/_cacache/index": "npm", ".cache/pip/wheels/x": "pip", "app/node_modules/.cache/babel/x": "babel",
            "app/node_modules/left-pad/index.js": "module.exports = 1\n", "app/sessions/sess_abc": "session",
            "app/build/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n", "app/build/object.o": "object",
            "app/logs/today.txt": "kept? no: /srv/*/logs/* is left out",
        ]
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        chmod(root + "/app/main.py", 0o755)
        try FileManager.default.createDirectory(atPath: root + "/var/empty", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/bin/primary_tech", withDestinationPath: "/opt/techs/python-3.11/bin")
    }

    @Test func keepsTheAppAndLeavesOutWhatThePlatformsBackupsLeaveOut() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path("srv"), withIntermediateDirectories: true)
        try Self.makeSrv(at: scratch.path("srv"))
        let progress = Mutex<[Double]>([])
        let archive = try SnapshotArchiver(watcher: watcher).archive(scratch.path("srv"), to: scratch.path("snapshot.tar")) { share in
            progress.withLock { $0.append(share) }
        }
        #expect(archive.bytes == Int64((try FileManager.default.attributesOfItem(atPath: scratch.path("snapshot.tar"))[.size] as? Int) ?? -1))
        let entries = try tarListing(scratch.path("snapshot.tar"))
        for kept in ["./app/main.py", "./app/templates/index.html", "./.env", "./conf/crontab", "./conf/supervisor.d/app.conf",
                     "./app/node_modules/left-pad/index.js", "./var/empty", "./bin/primary_tech"] {
            #expect(entries.contains(kept), "\(kept) is kept")
        }
        for left in ["./app/__pycache__", "./log/nginx.log", "./app/debug.log", "./.npm", "./.cache/pip", "./app/node_modules/.cache",
                     "./app/sessions/sess_abc", "./app/build", "./app/build/object.o", "./app/logs/today.txt"] {
            #expect(!entries.contains(left), "\(left) is left out")
        }
        let shares = progress.withLock { $0 }
        #expect(shares.last == 1)
        #expect(zip(shares, shares.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func restoreReplacesTheFolderWithTheArchivesContents() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        let srv = scratch.path("srv")
        try FileManager.default.createDirectory(atPath: srv, withIntermediateDirectories: true)
        try Self.makeSrv(at: srv)
        let archiver = SnapshotArchiver(watcher: watcher)
        _ = try archiver.archive(srv, to: scratch.path("snapshot.tar"))
        // Broken after the snapshot: a file changed, one added, one removed.
        try "broken\n".write(toFile: srv + "/app/main.py", atomically: false, encoding: .utf8)
        try "junk".write(toFile: srv + "/app/junk.txt", atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: srv + "/conf/crontab")
        try archiver.restore(scratch.path("snapshot.tar"), into: srv)
        #expect(try String(contentsOfFile: srv + "/app/main.py", encoding: .utf8) == "print('hi')\n")
        #expect(!FileManager.default.fileExists(atPath: srv + "/app/junk.txt"))
        #expect(FileManager.default.fileExists(atPath: srv + "/conf/crontab"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: srv + "/bin/primary_tech") == "/opt/techs/python-3.11/bin")
        var info = stat()
        #expect(stat(srv + "/app/main.py", &info) == 0 && info.st_mode & 0o777 == 0o755)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == ["snapshot.tar", "srv"])
    }

    @Test func aFailedArchiveLeavesNoFileAndSaysWhy() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        #expect(throws: SnapshotError.self) {
            _ = try SnapshotArchiver(watcher: watcher).archive(scratch.path("no-such-srv"), to: scratch.path("snapshot.tar"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("snapshot.tar")))
    }

    @Test func aFailedRestoreLeavesTheFolderAsItWas() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        let srv = scratch.path("srv")
        try FileManager.default.createDirectory(atPath: srv, withIntermediateDirectories: true)
        try "mine".write(toFile: srv + "/keep.txt", atomically: false, encoding: .utf8)
        try "not a tar archive".write(toFile: scratch.path("bad.tar"), atomically: false, encoding: .utf8)
        #expect(throws: SnapshotError.self) { try SnapshotArchiver(watcher: watcher).restore(scratch.path("bad.tar"), into: srv) }
        #expect(try String(contentsOfFile: srv + "/keep.txt", encoding: .utf8) == "mine")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == ["bad.tar", "srv"])
    }

    @Test func anArchiveStoppedPartWayLeavesNoFileAndSaysItWasStopped() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        let srv = scratch.path("srv")
        try FileManager.default.createDirectory(atPath: srv, withIntermediateDirectories: true)
        // 8 MiB: several pieces of 1 MiB go out before the stop.
        try Data(repeating: 7, count: 8 << 20).write(to: URL(fileURLWithPath: srv + "/big.bin"))
        let seen = Mutex<[Double]>([])
        do {
            _ = try SnapshotArchiver(watcher: watcher).archive(
                srv, to: scratch.path("snapshot.tar"), progress: { share in seen.withLock { $0.append(share) } },
                stop: { share in share >= 0.4 })
            Issue.record("the archive was not stopped")
        } catch let error as SnapshotError {
            #expect(error.stopped)
        }
        let shares = seen.withLock { $0 }
        #expect(!shares.isEmpty && shares.last! >= 0.4 && shares.last! < 1, "\(shares)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["srv"])
    }

    @Test func anExtractionSwapsInOnlyWhenAskedAndTakesTheFoldersOwner() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        let source = scratch.path("source")
        try FileManager.default.createDirectory(atPath: source + "/app", withIntermediateDirectories: true)
        try "v1".write(toFile: source + "/app/main.py", atomically: false, encoding: .utf8)
        let archiver = SnapshotArchiver(watcher: watcher)
        _ = try archiver.archive(source, to: scratch.path("snapshot.tar"))
        let target = scratch.path("srv")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "mine".write(toFile: target + "/mine.txt", atomically: false, encoding: .utf8)
        let owner: (uid_t, gid_t) = (54_321, 54_322)
        if getuid() == 0 { chown(target, owner.0, owner.1) }
        let progress = Mutex<[Double]>([])
        let prepared = try archiver.extract(scratch.path("snapshot.tar"), besideFolder: target, progress: { share in
            progress.withLock { $0.append(share) }
        })
        #expect(FileManager.default.fileExists(atPath: target + "/mine.txt"), "nothing changes before the swap")
        #expect(progress.withLock { $0.last } == 1)
        try prepared.swap()
        #expect(try String(contentsOfFile: target + "/app/main.py", encoding: .utf8) == "v1")
        #expect(!FileManager.default.fileExists(atPath: target + "/mine.txt"))
        if getuid() == 0 {
            var info = stat()
            #expect(lstat(target + "/app/main.py", &info) == 0 && info.st_uid == owner.0 && info.st_gid == owner.1,
                    "the files are the target app's, whatever app the snapshot was taken of")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).sorted() == ["snapshot.tar", "source", "srv"])
    }

    @Test func archivesAreRecognisedBeforeAnImportStoresThem() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let scratch = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: scratch.path("srv"), withIntermediateDirectories: true)
        _ = try SnapshotArchiver(watcher: watcher).archive(scratch.path("srv"), to: scratch.path("empty.tar"))
        let empty = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path("empty.tar"))))
        #expect(SnapshotArchiver.looksLikeArchive(empty))
        #expect(!SnapshotArchiver.looksLikeArchive(Array("not a tar archive".utf8)))
        #expect(!SnapshotArchiver.looksLikeArchive([UInt8](repeating: 0, count: 1024)))
        #expect(!SnapshotArchiver.looksLikeArchive([]))
    }
}
