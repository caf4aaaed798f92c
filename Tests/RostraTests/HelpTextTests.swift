import Foundation
import Testing
import TestSupport

/// `rostra --help` and each command's help: every command listed with what it does, and
/// value names that say what to give (`--rosti-port <port>`, not `<rosti-port>`).
@Suite struct HelpTextTests {
    static let commands = ["serve", "export", "import", "health"]

    @Test func theTopLevelHelpListsEveryCommandAndWhereToStart() throws {
        let scratch = try TemporaryDirectory()
        let (status, help, _) = try RostraProcess.run(["--help"], directory: scratch.url)
        #expect(status == 0)
        for command in Self.commands {
            #expect(help.contains("  \(command)"), "\(command) is listed")
        }
        #expect(help.contains("serve (default)"))
        #expect(help.contains("docs/getting-started.md"))
    }

    @Test(arguments: commands)
    func eachCommandsHelpReadsWell(command: String) throws {
        let scratch = try TemporaryDirectory()
        let (status, help, _) = try RostraProcess.run([command, "--help"], directory: scratch.url)
        #expect(status == 0)
        #expect(help.hasPrefix("OVERVIEW: "))
        let echoed = ConfigurationDocsTests.words(matching: "--([a-z-]+) <\\1>", in: help)
        #expect(echoed.isEmpty, "value names that only repeat the option: \(echoed.sorted())")
        let (helpStatus, viaHelp, _) = try RostraProcess.run(["help", command], directory: scratch.url)
        #expect(helpStatus == 0 && viaHelp == help, "`rostra help \(command)` is the same")
    }
}
