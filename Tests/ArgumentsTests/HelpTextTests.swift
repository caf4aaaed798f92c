import Arguments
import Testing

@Suite struct HelpTextTests {
    @Test func aCommandsPageListsEveryOptionWithItsEnvironmentAndDefault() {
        let page = Sample.tool.helpText(for: Sample.serve)
        #expect(page == """
            OVERVIEW: Serve things.

            USAGE: sample serve [--port <port>] [--name <name>] [--tag <tag>] [--quiet]

            OPTIONS:
              --port <port>           A port. Env: SAMPLE_PORT. Default: 8000.
              --name <name>           A name.
              --tag <tag>             Tags; repeatable. Env: SAMPLE_TAGS=a,b.
              --quiet                 Say less. Env: SAMPLE_QUIET=1.
              --version               Show the version.
              -h, --help              Show help information.

            """)
    }

    @Test func theToolsPageListsItsCommandsAndTheDefault() {
        let page = Sample.tool.helpText()
        #expect(page.hasPrefix("OVERVIEW: A sample tool.\n\nIt does things.\n\nUSAGE: sample <command>\n"))
        #expect(page.contains("\n  serve (default)         Serve things.\n"))
        #expect(page.contains("\n  copy                    Copy a file.\n"))
        #expect(page.contains("See 'sample help <command>' for detailed help."))
    }

    @Test func longTextWrapsAtEightyColumnsUnderItsColumn() throws {
        let long = OptionSpec(
            "a-rather-long-option-name", .value(valueName: "bytes"),
            help: String(repeating: "word ", count: 40), environment: EnvironmentFallback("SAMPLE_LONG"))
        let other = OptionSpec("another-option", .value(valueName: "value"), help: "More.")
        let command = CommandSpec(name: "wide", abstract: String(repeating: "abstract ", count: 12), options: [long, other])
        let tool = ToolSpec(name: "sample", abstract: "x", discussion: "", version: "1", commands: [command], defaultCommand: "wide")
        let lines = tool.helpText(for: command).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.filter { $0.count > 80 })")
        // A name too long for its column is on a line of its own.
        let name = try #require(lines.firstIndex { $0 == "  --a-rather-long-option-name <bytes>" })
        #expect(lines[name + 1].hasPrefix(String(repeating: " ", count: 26) + "word"))
        // Too long for one line with every option: the usage says <options>.
        #expect(tool.helpText(for: command).contains("USAGE: sample wide <options>\n"))
    }
}
