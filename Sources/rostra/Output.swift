#if canImport(Glibc)
import Glibc
#endif

/// Text to standard output or standard error, unbuffered (scripts and tests wait for the
/// banner on a pipe) and in one `write` where it fits, so log lines from several threads
/// never interleave. Straight on POSIX: FileHandle's first use was a measurable part of
/// the cold start.
enum Output {
    static func standardOutput(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func standardError(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return  // a closed or full stream: nothing better to do with the text
            }
        }
    }
}
