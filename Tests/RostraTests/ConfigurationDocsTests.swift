import Foundation
import Testing
import TestSupport

/// docs/configuration.md must list exactly the options and environment variables the
/// commands' own `--help` shows.
@Suite struct ConfigurationDocsTests {
    static func words(matching pattern: String, in text: String) -> Set<String> {
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return Set(expression.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    @Test func everyOptionAndVariableIsDocumentedAndNothingElse() throws {
        let scratch = try TemporaryDirectory()
        var help = ""
        for command in ["serve", "export", "import", "health", "ca"] {
            let (status, output, _) = try RostraProcess.run([command, "--help"], directory: scratch.url)
            #expect(status == 0)
            help += output
        }
        let document = try String(
            contentsOf: RostraProcess.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)

        let flagPattern = "--[a-z][a-z-]+"
        let variablePattern = "ROSTRA_[A-Z_]+"
        let helpFlags = Self.words(matching: flagPattern, in: help)
        let documentedFlags = Self.words(matching: flagPattern, in: document)
        let helpVariables = Self.words(matching: variablePattern, in: help)
        let documentedVariables = Self.words(matching: variablePattern, in: document)
        #expect(helpFlags.subtracting(documentedFlags).isEmpty, "undocumented: \(helpFlags.subtracting(documentedFlags).sorted())")
        #expect(documentedFlags.subtracting(helpFlags).isEmpty, "documented but gone: \(documentedFlags.subtracting(helpFlags).sorted())")
        #expect(helpVariables == documentedVariables, "help \(helpVariables.sorted()) vs docs \(documentedVariables.sorted())")
        #expect(helpFlags.count >= 10)
    }

    /// Options that take one of a few words: `--help` and the option's row on the page both
    /// name every word the command accepts.
    @Test func theWordsAnOptionTakesAreInItsHelpAndOnItsRow() throws {
        let scratch = try TemporaryDirectory()
        let (_, help, _) = try RostraProcess.run(["serve", "--help"], directory: scratch.url)
        let document = try String(
            contentsOf: RostraProcess.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let accepted = [
            "--maintenance": ["rosti", "rosa", "both"],
            "--log-format": ["human", "json"],
            "--log-level": ["trace", "debug", "info", "notice", "warning", "error", "critical"],
        ]
        for (option, words) in accepted {
            // The option's entry in --help: from its name to the next option's.
            let entry = help.components(separatedBy: "\n  \(option) ").dropFirst().first?.components(separatedBy: "\n  -").first ?? ""
            let row = document.split(separator: "\n").first { $0.hasPrefix("| `\(option) ") } ?? ""
            for word in words {
                #expect(entry.range(of: "\\b\(word)\\b", options: .regularExpression) != nil, "\(option) --help: \(word)")
                #expect(row.contains("`\(word)`"), "\(option) on docs/configuration.md: \(word)")
            }
        }
    }
}
