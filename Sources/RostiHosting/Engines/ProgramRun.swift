import Foundation
import Processes

#if canImport(Glibc)
import Glibc
#endif

/// A short program run to its end (a client, initdb, cp) with bytes on its standard
/// input and both outputs collected: how Rostra talks to the engines. SQL goes on stdin,
/// never in the arguments, which every user of the machine can read with `ps`.
struct ProgramRun {
    let termination: Termination
    let output: [UInt8]
    let errorOutput: [UInt8]

    var outputText: String { String(decoding: output, as: UTF8.self) }
    /// The error output without the trailing newline, for messages.
    var errorText: String { String(decoding: errorOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Runs `command` with `input` on its stdin (then closed), its stdout and stderr
    /// collected, for at most `timeout` (then SIGKILL and `EngineError.timedOut`). Reading
    /// and writing interleave, so a program that answers while it still reads never
    /// blocks on a full pipe.
    static func run(_ command: Command, input: [UInt8] = [], watcher: ProcessWatcher, timeout: Duration) throws -> ProgramRun {
        var command = command
        let stdin = try Pipe()
        let stdout: Pipe
        let stderr: Pipe
        do {
            stdout = try Pipe()
            stderr = try Pipe()
        } catch {
            stdin.closeBoth()
            throw error
        }
        command.descriptors = [stdin.readEnd, stdout.writeEnd, stderr.writeEnd]
        let child: ChildProcess
        do {
            child = try watcher.spawn(command)
        } catch {
            for pipe in [stdin, stdout, stderr] { pipe.closeBoth() }
            throw EngineError.cannotRun(command.description, "\(error)")
        }
        // The child has its copies; ours of its ends must go, or no EOF would ever come.
        close(stdin.readEnd)
        close(stdout.writeEnd)
        close(stderr.writeEnd)
        var writeEnd: Int32 = stdin.writeEnd
        var readEnds: [Int32] = [stdout.readEnd, stderr.readEnd]
        for descriptor in [writeEnd] + readEnds { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) }
        var collected: [Int32: [UInt8]] = [stdout.readEnd: [], stderr.readEnd: []]
        var written = 0
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        defer {
            if writeEnd >= 0 { close(writeEnd) }
            for descriptor in readEnds { close(descriptor) }
        }
        if input.isEmpty {
            close(writeEnd)
            writeEnd = -1
        }
        while writeEnd >= 0 || !readEnds.isEmpty {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                child.signal(SIGKILL)
                child.wait()
                throw EngineError.timedOut(command.description, timeout)
            }
            var polled = readEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writeEnd >= 0 { polled.append(pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)) }
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 1000))
            let ready = poll(&polled, nfds_t(polled.count), milliseconds)
            if ready < 0 && errno != EINTR { throw EngineError.cannotRun(command.description, "poll: \(String(cString: strerror(errno)))") }
            for entry in polled where entry.revents != 0 {
                if entry.fd == writeEnd {
                    let count = input[written...].withUnsafeBytes { write(writeEnd, $0.baseAddress, min($0.count, 65_536)) }
                    if count > 0 { written += count }
                    // EPIPE: it stopped reading (exited on an error); its output says why.
                    if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(writeEnd)
                        writeEnd = -1
                    }
                } else {
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        collected[entry.fd]! += buffer[0..<count]
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(entry.fd)
                        readEnds.removeAll { $0 == entry.fd }
                    }
                }
            }
        }
        guard let ended = child.wait(timeout: max(deadline - ContinuousClock.now, .milliseconds(100))) else {
            child.signal(SIGKILL)
            child.wait()
            throw EngineError.timedOut(command.description, timeout)
        }
        return ProgramRun(termination: ended, output: collected[stdout.readEnd]!, errorOutput: collected[stderr.readEnd]!)
    }

    /// A pipe whose ends close on exec (the spawn maps the child's ends into place).
    struct Pipe {
        let readEnd: Int32
        let writeEnd: Int32

        init() throws {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else {
                throw EngineError.cannotRun("pipe", String(cString: strerror(errno)))
            }
            // Close-on-exec: only the child the spawn maps them into gets them.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            readEnd = ends[0]
            writeEnd = ends[1]
        }

        func closeBoth() {
            close(readEnd)
            close(writeEnd)
        }
    }
}
