import Foundation
import Processes
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProcessWatcherTests {
    /// A pipe whose read end collects what a child writes.
    final class Capture {
        let readEnd: Int32
        let writeEnd: Int32

        init() {
            var ends: [Int32] = [-1, -1]
            precondition(pipe(&ends) == 0)
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            readEnd = ends[0]
            writeEnd = ends[1]
        }

        /// Everything written, once every writer has closed.
        func text() -> String {
            close(writeEnd)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let count = read(readEnd, &buffer, buffer.count), count > 0 { bytes += buffer[0..<count] }
            close(readEnd)
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func runsTheProgramWithExactlyTheGivenEnvironmentAndDescriptors() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let output = Capture()
        var command = Command("/bin/sh", ["-c", "echo \"$GREETING\" in \"$(pwd)\"; ls /proc/self/fd | wc -l; exit 3"],
                              environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"], directory: "/tmp")
        command.descriptors = [-1, output.writeEnd, output.writeEnd]
        let child = try watcher.spawn(command)
        #expect(child.wait(timeout: .seconds(10)) == .exited(3))
        let lines = output.text().split(separator: "\n")
        #expect(lines.first == "hello in /tmp")
        // 0, 1, 2 and the one `ls` opens to read the folder: nothing of the parent leaks in.
        #expect(lines.last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } == 4)
    }

    @Test func aMissingProgramIsASpawnErrorNotAnTermination() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        #expect(throws: SpawnError.self) { try watcher.spawn(Command("/no/such/program")) }
    }

    @Test func stopReachesTheWholeProcessGroupAndReportsTheSignal() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let output = Capture()
        var command = Command("/bin/sh", ["-c", "sleep 300 & echo $!; wait"], environment: ["PATH": "/usr/bin:/bin"])
        command.descriptors = [-1, output.writeEnd, -1]
        let child = try watcher.spawn(command)
        var grandchild: pid_t = 0
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(output.readEnd, &byte, 1) == 1, byte != 10 { line.append(byte) }
        grandchild = pid_t(String(decoding: line, as: UTF8.self)) ?? 0
        #expect(grandchild > 0)
        #expect(child.stop(grace: .seconds(5)) == .signalled(SIGTERM))
        // The grandchild got the signal too (same process group); give the kernel a moment.
        let deadline = Date().addingTimeInterval(5)
        while kill(grandchild, 0) == 0 && Date() < deadline { usleep(10_000) }
        #expect(kill(grandchild, 0) != 0)
        _ = output.text()
    }

    @Test func exitHandlersRunOnceAndLateOnesRunAtOnce() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let child = try watcher.spawn(Command("/bin/true"))
        let calls = Mutex<[Termination]>([])
        child.onExit { status in calls.withLock { $0.append(status) } }
        #expect(child.wait(timeout: .seconds(10)) == .exited(0))
        child.onExit { status in calls.withLock { $0.append(status) } }
        let deadline = Date().addingTimeInterval(5)
        while calls.withLock({ $0.count }) < 2 && Date() < deadline { usleep(5_000) }
        #expect(calls.withLock { $0 } == [.exited(0), .exited(0)])
        #expect(watcher.running.isEmpty)
    }

    @Test func shutdownStopsEveryChild() throws {
        let watcher = try ProcessWatcher()
        let children = try (0..<3).map { _ in try watcher.spawn(Command("/bin/sleep", ["300"])) }
        watcher.shutdown(grace: .seconds(2))
        for child in children { #expect(child.termination == .signalled(SIGTERM)) }
        #expect(throws: SpawnError.self) { try watcher.spawn(Command("/bin/true")) }
    }

    @Test func theChildGetsSignalsTheParentBlocks() throws {
        // rostra serve blocks SIGINT and SIGTERM in every thread to take them with sigwait.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        let child = try watcher.spawn(Command("/bin/sleep", ["300"]))
        child.signal(SIGTERM)
        #expect(child.wait(timeout: .seconds(5)) == .signalled(SIGTERM))
    }
}

/// The signals a child gets from Rostra: its own death signal, kept across an identity
/// switch, and its own stop signal.
@Suite struct ChildSignalTests {
    /// The child reads its own death signal with prctl(PR_GET_PDEATHSIG) and prints it.
    static let printDeathSignal = """
        import ctypes; sig = ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(sig)); print(sig.value)
        """

    @Test func theDeathSignalIsTheCommandsAndSurvivesAnIdentitySwitch() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        var identities: [(uid_t, gid_t)?] = [nil]
        if getuid() == 0 { identities.append((65534, 65534)) }  // nobody, as Rostra runs engines when root
        for identity in identities {
            let output = ProcessWatcherTests.Capture()
            var command = Command("/usr/bin/python3", ["-c", Self.printDeathSignal])
            command.descriptors = [-1, output.writeEnd, -1]
            command.deathSignal = SIGINT
            command.identity = identity.map { (uid: $0.0, gid: $0.1) }
            let child = try watcher.spawn(command)
            #expect(child.wait(timeout: .seconds(10)) == .exited(0))
            #expect(output.text().trimmingCharacters(in: .whitespacesAndNewlines) == "\(SIGINT)", "identity \(String(describing: identity))")
        }
    }

    @Test func stopSendsTheCommandsStopSignalFirst() throws {
        let watcher = try ProcessWatcher()
        defer { watcher.shutdown() }
        var command = Command("/bin/sh", ["-c", "trap 'exit 7' INT; trap 'exit 9' TERM; sleep 300 & wait"], environment: ["PATH": "/usr/bin:/bin"])
        command.stopSignal = SIGINT
        let child = try watcher.spawn(command)
        usleep(200_000)  // let the shell set its traps
        #expect(child.stop(grace: .seconds(5)) == .exited(7))
    }
}
