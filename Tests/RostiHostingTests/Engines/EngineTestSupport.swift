import Foundation
import Logging
import RostiHosting
import Testing
import TestSupport

/// Whether `engine` is installed here; tests of an engine run only where it is (CI installs
/// both: .ci/run).
func installed(_ engine: DatabaseEngine) -> Bool {
    if case .available = EngineInstallation.find(engine) { return true }
    return false
}

/// The engines that are installed, for tests parametrized over engines.
let installedEngines = DatabaseEngine.allCases.filter(installed)

/// Logs for tests: warnings and worse to stderr.
let engineTestLogger: Logger = {
    var logger = Logger(label: "rostra-engines-tests")
    logger.logLevel = .warning
    return logger
}()

/// The processes whose command line mentions `text` (a test's own folder), to check that
/// nothing outlives the engines.
func processes(mentioning text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }
}
