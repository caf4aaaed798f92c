import Foundation

/// A directory of its own for one test (tests run in parallel), removed when released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rostra-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Where the package's built products are: beside the running test binary
/// (`.build/<configuration>/`), whatever the scratch path.
public enum BuiltProducts {
    public static func executable(named name: String) throws -> URL {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw NotBuilt(name: name)
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) was not built beside the test binary" }
    }
}
