import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The front door's throwaway folder (nginx's configuration and temporary files, in the
/// temporary folder) goes with the `rostra` that made it, and one left by a killed Rostra
/// goes at the next start: a suite that SIGKILLs Rostras by the hundred must not fill /tmp.
@Suite struct FrontDoorFolderTests {
    static let nginxInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx")

    /// A pid no process has now: a child that has ended and been waited for.
    static func endedPID() throws -> pid_t {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        return child.processIdentifier
    }

    @Test(.enabled(if: nginxInstalled, "needs nginx: apt-get install -y nginx-light"))
    func aKilledRostrasFolderGoesAtTheNextStartAndItsOwnAtItsStop() throws {
        let scratch = try TemporaryDirectory()
        let temporary = scratch.path("tmp")
        let abandoned = temporary + "/rostra-front-door-\(try Self.endedPID())"
        let living = temporary + "/rostra-front-door-\(getpid())"
        let unrelated = temporary + "/rostra-front-door-notes"
        for folder in [abandoned, living, unrelated] {
            try FileManager.default.createDirectory(atPath: folder + "/pages", withIntermediateDirectories: true)
        }

        let rostra = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--no-storage-engines", "--log-level", "error"],
            environment: ["TMPDIR": temporary], directory: scratch.url)
        _ = try rostra.waitForBanner()
        let own = temporary + "/rostra-front-door-\(rostra.process.processIdentifier)"
        #expect(FileManager.default.fileExists(atPath: own + "/nginx.conf") || FileManager.default.fileExists(atPath: own + "/pages"))
        #expect(!FileManager.default.fileExists(atPath: abandoned), "the folder of a process that is gone is removed")
        #expect(FileManager.default.fileExists(atPath: living), "the folder of a process that runs is kept")
        #expect(FileManager.default.fileExists(atPath: unrelated), "a folder not named for a process is kept")

        #expect(rostra.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: own))
    }
}
