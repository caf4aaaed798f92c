import Foundation
import Processes
import RostiHosting
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Real PostgreSQL and MariaDB servers, started in a test's own folder on free ports, used
/// the way storages use them: logins with passwords over TCP from the engines' own clients.
@Suite struct StorageEnginesTests {
    @Test(arguments: installedEngines)
    func aStorageIsADatabaseItsPasswordOpensAndNoOtherDoes(engine: DatabaseEngine) throws {
        let folder = try TemporaryDirectory()
        let engines = StorageEngines(folders: EngineFolders(persistent: folder.path("state-engines")), logger: engineTestLogger)
        defer { engines.close() }
        let server = engines.server(engine)
        #expect(server.state == .stopped)
        #expect(server.port == nil)

        let port = try server.perform { session in
            try session.create(name: "blog_1", credential: .password("first pass'word\\"), mark: StorageMark(tenant: "default", storage: 1))
            try session.create(name: "shop_2", credential: .password("shop-password"), mark: StorageMark(tenant: "t1", storage: 2))
            return session.port
        }
        #expect(server.state == .running)
        #expect(server.port == port)
        let blog = { (password: String, sql: String) in
            try StorageClient.run(engine.rawValue, port: port, user: "blog_1", password: password, database: "blog_1", sql: sql)
        }
        let made = try blog("first pass'word\\", "CREATE TABLE posts (id integer, title text); INSERT INTO posts VALUES (1, 'hello')")
        #expect(made.succeeded, "\(made.error)")
        #expect(try blog("first pass'word\\", "SELECT title FROM posts").output == "hello")
        #expect(try !blog("wrong password", "SELECT 1").succeeded)

        // Another storage's user reaches neither the database nor its rows.
        let other = try StorageClient.run(engine.rawValue, port: port, user: "shop_2", password: "shop-password", database: "blog_1", sql: "SELECT 1")
        #expect(!other.succeeded)
        let own = try StorageClient.run(engine.rawValue, port: port, user: "shop_2", password: "shop-password", database: "shop_2", sql: "SELECT 1")
        #expect(own.succeeded, "\(own.error)")

        // The password changes at once: the old one is refused, the new one opens.
        try server.perform { try $0.setPassword(name: "blog_1", password: "second-password") }
        #expect(try !blog("first pass'word\\", "SELECT 1").succeeded)
        #expect(try blog("second-password", "SELECT count(*) FROM posts").output == "1")

        let objects = try server.perform { try $0.objects() }
        #expect(objects.databases == ["blog_1": StorageMark(tenant: "default", storage: 1), "shop_2": StorageMark(tenant: "t1", storage: 2)])
        #expect(objects.accounts.isSuperset(of: ["blog_1", "shop_2"]))

        // A dump loads under another name and keeps the password the engine held.
        let dump = try server.perform { try $0.dump(name: "blog_1") }
        #expect(dump.sql.contains("hello"))
        #expect(dump.verifier != nil)
        try server.perform { try $0.restore(name: "blog_9", dump: dump, password: "unused", mark: StorageMark(tenant: "t2", storage: 9)) }
        let restored = try StorageClient.run(engine.rawValue, port: port, user: "blog_9", password: "second-password", database: "blog_9", sql: "SELECT title FROM posts")
        #expect(restored.output == "hello", "\(restored.error)")

        // Dropped: no login, no database.
        try server.perform { try $0.drop(name: "blog_1") }
        #expect(try !blog("second-password", "SELECT 1").succeeded)
        let left = try server.perform { try $0.objects() }
        #expect(left.databases["blog_1"] == nil)
        #expect(!left.accounts.contains("blog_1"))
    }

    @Test(arguments: installedEngines)
    func rowsSurviveARestartOnTheSamePortAndNothingIsLeftAfterClose(engine: DatabaseEngine) throws {
        let folder = try TemporaryDirectory()
        let folders = EngineFolders(persistent: folder.path("state-engines"))
        let first = StorageEngines(folders: folders, logger: engineTestLogger)
        let port = try first.server(engine).perform { session in
            try session.create(name: "keep_1", credential: .password("keep-password"), mark: StorageMark(tenant: "default", storage: 1))
            return session.port
        }
        let made = try StorageClient.run(engine.rawValue, port: port, user: "keep_1", password: "keep-password", database: "keep_1",
                                         sql: "CREATE TABLE t (n integer); INSERT INTO t VALUES (42)")
        #expect(made.succeeded, "\(made.error)")
        let runtime = try #require(first.runtimeFolder)
        #expect(FileManager.default.fileExists(atPath: runtime))
        first.close()
        #expect(!FileManager.default.fileExists(atPath: runtime))
        #expect(first.server(engine).state == .stopped)
        #expect(processes(mentioning: folder.path("state-engines")).isEmpty)
        #expect(!accepts(port))

        let second = StorageEngines(folders: folders, logger: engineTestLogger)
        defer { second.close() }
        let again = try second.server(engine).perform { $0.port }
        #expect(again == port)
        let read = try StorageClient.run(engine.rawValue, port: again, user: "keep_1", password: "keep-password", database: "keep_1", sql: "SELECT n FROM t")
        #expect(read.output == "42", "\(read.error)")
    }

    @Test(arguments: installedEngines)
    func downRefusesLoginsAndKeepsWorkUntilUp(engine: DatabaseEngine) throws {
        let engines = StorageEngines(folders: EngineFolders(persistent: nil), logger: engineTestLogger)
        defer { engines.close() }
        let server = engines.server(engine)
        let port = try server.perform { session in
            try session.create(name: "up_1", credential: .password("up-password"), mark: StorageMark(tenant: "default", storage: 1))
            return session.port
        }
        try server.takeDown()
        #expect(server.state == .down)
        #expect(!accepts(port))
        #expect(throws: EngineError.down(engine)) { try server.perform { _ in } }
        let kept = server.submit(wait: true) { session in
            try session.create(name: "later_2", credential: .password("later-password"), mark: StorageMark(tenant: "default", storage: 2))
        }
        #expect(kept == .parked)

        try server.bringUp()
        #expect(server.state == .running)
        #expect(server.port == port)
        let later = try StorageClient.run(engine.rawValue, port: port, user: "later_2", password: "later-password", database: "later_2", sql: "SELECT 1")
        #expect(later.succeeded, "\(later.error)")
    }

    @Test(arguments: installedEngines)
    func aServerThatEndsByItselfIsStartedAgain(engine: DatabaseEngine) throws {
        let engines = StorageEngines(folders: EngineFolders(persistent: nil), logger: engineTestLogger)
        defer { engines.close() }
        let server = engines.server(engine)
        try server.perform { try $0.create(name: "crash_1", credential: .password("crash-password"), mark: StorageMark(tenant: "default", storage: 1)) }
        let pid = try #require(server.pid)
        kill(pid, SIGKILL)
        #expect(eventually(timeout: .seconds(30)) { server.state == .running && server.pid != nil && server.pid != pid })
        let port = try #require(server.port)
        let answer = try StorageClient.run(engine.rawValue, port: port, user: "crash_1", password: "crash-password", database: "crash_1", sql: "SELECT 1")
        #expect(answer.succeeded, "\(answer.error)")
    }

    @Test func aMissingEngineIsReportedWithItsInstallCommandAndDoesNoWork() throws {
        let missing: [DatabaseEngine: EngineInstallation.Finding] = [
            .pgsql: EngineInstallation.find(.pgsql, root: "/nonexistent"),
            .mariadb: EngineInstallation.find(.mariadb, root: "/nonexistent"),
        ]
        let engines = StorageEngines(folders: EngineFolders(persistent: nil), logger: engineTestLogger, findings: missing)
        defer { engines.close() }
        #expect(engines.parts.map { $0.name } == DatabaseEngine.allCases.map { $0.productName })
        for (part, engine) in zip(engines.parts, DatabaseEngine.allCases) {
            guard case .missing(let install) = part.availability else {
                Issue.record("\(engine) found under /nonexistent")
                continue
            }
            #expect(install == "apt-get install -y \(engine.package)")
            #expect(part.neededFor == "storages of engine \(engine.rawValue)")
        }
        #expect(engines.server(.pgsql).submit(wait: true) { _ in } == .skipped)
        #expect(throws: EngineError.notInstalled(.mariadb, install: "apt-get install -y mariadb-server")) {
            try engines.server(.mariadb).perform { _ in }
        }
    }

    @Test(arguments: installedEngines)
    func namesThatAreNotRostrasNeverReachTheEngine(engine: DatabaseEngine) throws {
        let engines = StorageEngines(folders: EngineFolders(persistent: nil), logger: engineTestLogger)
        defer { engines.close() }
        for name in ["Blog", "blog-1", "a;drop", "", String(repeating: "a", count: 64)] {
            #expect(throws: EngineError.invalidName(name)) {
                try engines.server(engine).perform { try $0.drop(name: name) }
            }
        }
    }

}

/// As root the servers run as the packages' users, who cannot pass through a folder closed
/// to others (`mktemp -d` makes them 0700; /root is): the data then goes to
/// /var/lib/rostra/engines, linked from beside the state, and is removed once that state
/// is gone.
@Suite struct UnreachableStateFolderTests {
    @Test(.enabled(if: getuid() == 0 && installed(.pgsql), "needs root and PostgreSQL (apt-get install -y postgresql)"))
    func theDataGoesWhereTheEngineUserReachesAndLeavesWithItsState() throws {
        let closed = try TemporaryDirectory()
        #expect(chmod(closed.url.path, 0o700) == 0)
        let engines = StorageEngines(folders: EngineFolders(persistent: closed.path("state-engines")), logger: engineTestLogger)
        let port = try engines.server(.pgsql).perform { session in
            try session.create(name: "closed_1", credential: .password("closed-password"), mark: StorageMark(tenant: "default", storage: 1))
            return session.port
        }
        let data = try #require(engines.server(.pgsql).dataDirectory)
        #expect(data.hasPrefix("/var/lib/rostra/engines/"))
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: closed.path("state-engines/pgsql"))
        #expect(data.hasPrefix(link))
        let answer = try StorageClient.run("pgsql", port: port, user: "closed_1", password: "closed-password", database: "closed_1", sql: "SELECT 1")
        #expect(answer.succeeded, "\(answer.error)")
        engines.close()
        try FileManager.default.removeItem(at: closed.url)

        // The next state that needs a fallback folder removes the one whose state is gone.
        let other = try TemporaryDirectory()
        #expect(chmod(other.url.path, 0o700) == 0)
        let next = StorageEngines(folders: EngineFolders(persistent: other.path("state-engines")), logger: engineTestLogger)
        defer { next.close() }
        try next.server(.pgsql).perform { _ in }
        #expect(!FileManager.default.fileExists(atPath: (link as NSString).deletingLastPathComponent))
        let nextFolder = try #require(next.server(.pgsql).dataDirectory).split(separator: "/").dropLast(2).joined(separator: "/")
        next.close()
        try FileManager.default.removeItem(at: other.url)
        // This test's own leaves nothing behind either.
        try? FileManager.default.removeItem(atPath: "/" + nextFolder)
    }
}
