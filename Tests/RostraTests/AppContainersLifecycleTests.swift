import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The apps' containers live and die with the `rostra` that runs them: however it ends —
/// SIGKILL included, when it cannot stop them itself — no sandbox, supervisord, nginx,
/// pasta or front door of its is left.
@Suite struct AppContainersLifecycleTests {
    static let containersInstalled = ["/usr/bin/bwrap", "/usr/bin/supervisord", "/usr/bin/pasta", "/usr/sbin/sshd"]
        .allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }

    /// Every process under `pid` (children, theirs, …), from /proc.
    static func descendants(of pid: pid_t) -> Set<pid_t> {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (name) state ppid …": the name may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[child] = parent }
        }
        var found: Set<pid_t> = []
        var frontier: Set<pid_t> = [pid]
        while !frontier.isEmpty {
            frontier = Set(parents.filter { frontier.contains($0.value) }.keys).subtracting(found)
            found.formUnion(frontier)
        }
        return found
    }

    static func alive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }

    @Test(.enabled(if: containersInstalled, "needs bubblewrap, supervisor, passt and openssh-server"),
          arguments: [SIGTERM, SIGKILL])
    func nothingOfTheContainersOutlivesRostra(signal: Int32) throws {
        let scratch = try TemporaryDirectory()
        let rostra = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--no-storage-engines", "--log-level", "error"],
            directory: scratch.url)
        let ports = try rostra.waitForBanner()
        let body = #"{"name": "lasting"}"#
        let create = "POST /api/v1/1/apps/ HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Token rostidemo0000000000000000000000000000001\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        #expect(try RostraProcess.exchange(port: ports.rosti, request: Array(create.utf8)).0 == 200)
        // The new app's container and its network, and the front door, are running.
        let pid = rostra.process.processIdentifier
        #expect(eventually(timeout: .seconds(20)) {
            let names = Self.descendants(of: pid).compactMap { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }
            return ["supervisord", "nginx"].allSatisfy { name in names.contains { $0.hasPrefix(name) } } && names.contains { $0.hasPrefix("pasta") || $0.hasPrefix("passt") }
        })
        let running = Self.descendants(of: pid)
        #expect(running.count >= 5, "\(running)")

        kill(pid, signal)
        rostra.process.waitUntilExit()
        #expect(eventually(timeout: .seconds(30)) { !running.contains(where: Self.alive) },
                "left: \(running.filter(Self.alive).map { ($0, (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "") })")
    }
}
