import Arguments
import Testing

/// A small tool shaped like `rostra`: a default command with options of every kind, and a
/// command with positional arguments.
enum Sample {
    static let port = OptionSpec("port", .value(valueName: "port"), help: "A port.", environment: EnvironmentFallback("SAMPLE_PORT"), shownDefault: "8000")
    static let name = OptionSpec("name", .value(valueName: "name"), help: "A name.")
    static let tag = OptionSpec("tag", .repeatedValue(valueName: "tag"), help: "Tags; repeatable.", environment: EnvironmentFallback("SAMPLE_TAGS", shown: "SAMPLE_TAGS=a,b"))
    static let quiet = OptionSpec("quiet", .flag, help: "Say less.", environment: EnvironmentFallback("SAMPLE_QUIET", shown: "SAMPLE_QUIET=1"))

    static let serve = CommandSpec(name: "serve", abstract: "Serve things.", options: [port, name, tag, quiet])
    static let copy = CommandSpec(
        name: "copy", abstract: "Copy a file.", options: [quiet],
        arguments: [ArgumentSpec("from", .one, help: "Source."), ArgumentSpec("to", .one, help: "Target.")])
    static let check = CommandSpec(name: "check", abstract: "Check URLs.", options: [], arguments: [ArgumentSpec("url", .any, help: "URLs.")])
    static let tool = ToolSpec(
        name: "sample", abstract: "A sample tool.", discussion: "It does things.", version: "1.2.3",
        commands: [serve, copy, check], defaultCommand: "serve")

    static func parse(_ arguments: [String], environment: [String: String] = [:]) throws(UsageError) -> (String, ParsedArguments) {
        switch try tool.parse(arguments, environment: { environment[$0] }) {
        case .run(let command, let parsed): return (command, parsed)
        case .show(let text): Issue.record("showed \(text)"); throw UsageError("showed text")
        }
    }

    static func shown(_ arguments: [String]) throws -> String? {
        if case .show(let text) = try tool.parse(arguments, environment: { _ in nil }) { return text }
        return nil
    }

    static func refusal(_ arguments: [String], environment: [String: String] = [:]) -> UsageError? {
        do {
            let (_, parsed) = try parse(arguments, environment: environment)
            // Conversions are where environment values are checked.
            _ = try parsed.value(port, expected: "a port") { Int($0) }
            _ = try parsed.isSet(quiet)
            return nil
        } catch {
            return error
        }
    }
}

@Suite struct ArgumentParsingTests {
    @Test func noArgumentsRunTheDefaultCommand() throws {
        let (command, parsed) = try Sample.parse([])
        #expect(command == "serve")
        #expect(parsed.string(Sample.port) == nil)
        #expect(parsed.strings(Sample.tag) == [])
        #expect(try parsed.isSet(Sample.quiet) == false)
    }

    @Test func optionsAloneGoToTheDefaultCommand() throws {
        let (command, parsed) = try Sample.parse(["--port", "9000", "--quiet"])
        #expect(command == "serve")
        #expect(try parsed.value(Sample.port, expected: "a port") { Int($0) } == 9000)
        #expect(try parsed.isSet(Sample.quiet))
    }

    @Test func valuesSeparateOrAttached() throws {
        let (_, parsed) = try Sample.parse(["serve", "--port=9001", "--name", "a=b", "--tag", "x", "--tag=y"])
        #expect(parsed.string(Sample.port) == "9001")
        #expect(parsed.string(Sample.name) == "a=b")
        #expect(parsed.strings(Sample.tag) == ["x", "y"])
        #expect(parsed.isGiven(Sample.port) && !parsed.isGiven(Sample.quiet))
    }

    @Test func theLastOfARepeatedSingleValueCounts() throws {
        let (_, parsed) = try Sample.parse(["--port", "1", "--port", "2"])
        #expect(parsed.string(Sample.port) == "2")
    }

    @Test func anEmptyValueOnTheCommandLineIsAValue() throws {
        let (_, parsed) = try Sample.parse(["--name", ""], environment: ["SAMPLE_PORT": ""])
        #expect(parsed.string(Sample.name) == "")
        #expect(parsed.string(Sample.port) == nil, "an empty environment variable counts as unset")
    }

    @Test func theCommandLineWinsOverTheEnvironment() throws {
        let environment = ["SAMPLE_PORT": "7000", "SAMPLE_TAGS": " a , b,c ", "SAMPLE_QUIET": "yes"]
        let (_, fromEnvironment) = try Sample.parse([], environment: environment)
        #expect(fromEnvironment.string(Sample.port) == "7000")
        #expect(fromEnvironment.strings(Sample.tag) == ["a", "b", "c"])
        #expect(try fromEnvironment.isSet(Sample.quiet))
        let (_, given) = try Sample.parse(["--port", "7001", "--tag", "z"], environment: environment)
        #expect(given.string(Sample.port) == "7001")
        #expect(given.strings(Sample.tag) == ["z"])
    }

    @Test(arguments: [("1", true), ("TRUE", true), ("yes", true), ("0", false), ("false", false), ("No", false)])
    func flagsFromTheEnvironment(text: String, on: Bool) throws {
        let (_, parsed) = try Sample.parse([], environment: ["SAMPLE_QUIET": text])
        #expect(try parsed.isSet(Sample.quiet) == on)
    }

    @Test func positionalsAndTheEndOfOptions() throws {
        let (command, parsed) = try Sample.parse(["copy", "a", "--quiet", "--", "--b"])
        #expect(command == "copy")
        #expect(parsed.positionals == ["a", "--b"])
        #expect(try parsed.isSet(Sample.quiet))
        let (_, urls) = try Sample.parse(["check"])
        #expect(urls.positionals.isEmpty)
        let (_, many) = try Sample.parse(["check", "u1", "u2", "-"])
        #expect(many.positionals == ["u1", "u2", "-"])
    }

    @Test(arguments: [
        (["--nope"], "Unknown option '--nope'."),
        (["-x"], "Unknown option '-x'."),
        (["--port"], "Missing value for '--port <port>'."),
        (["--port", "--quiet"], "Missing value for '--port <port>'."),
        (["--quiet=1"], "'--quiet' takes no value."),
        (["frobnicate"], "Unknown command 'frobnicate' (commands: serve, copy, check)."),
        (["copy", "a"], "Missing expected argument '<to>'."),
        (["copy", "a", "b", "c"], "Unexpected argument 'c'."),
        (["serve", "extra"], "Unexpected argument 'extra'."),
        (["--port", "eighty"], "--port eighty is not a port."),
        (["help", "nope"], "Unknown command 'nope' (commands: serve, copy, check)."),
    ])
    func mistakesAreNamed(arguments: [String], message: String) {
        #expect(Sample.refusal(arguments)?.description == message)
    }

    @Test func environmentMistakesNameTheVariable() {
        #expect(Sample.refusal([], environment: ["SAMPLE_PORT": "eighty"])?.description == "SAMPLE_PORT=eighty is not a port.")
        #expect(Sample.refusal([], environment: ["SAMPLE_QUIET": "maybe"])?.description
            == "SAMPLE_QUIET=maybe is neither on (1, true, yes) nor off (0, false, no).")
    }

    @Test func aMistakeNamesItsCommandForTheUsageLine() throws {
        let error = try #require(Sample.refusal(["copy"]))
        #expect(error.command == "copy")
        #expect(Sample.tool.errorText(for: error) == """
            Error: Missing expected argument '<from>'.
            Usage: sample copy <from> <to> [--quiet]
              See 'sample copy --help' for more information.

            """)
        let unknown = try #require(Sample.refusal(["frobnicate"]))
        #expect(Sample.tool.errorText(for: unknown).hasPrefix("Error: Unknown command 'frobnicate'"))
    }

    @Test func helpAndVersionWinOverMistakes() throws {
        #expect(try Sample.shown(["--version"]) == "1.2.3\n")
        #expect(try Sample.shown(["copy", "--version"]) == "1.2.3\n")
        #expect(try Sample.shown(["--nope", "--help"]) == Sample.tool.helpText())
        #expect(try Sample.shown(["serve", "--nope", "--help"])?.hasPrefix("OVERVIEW: Serve things.") == true)
        #expect(try Sample.shown(["copy", "-h"])?.hasPrefix("OVERVIEW: Copy a file.") == true)
        #expect(try Sample.shown(["--help"])?.hasPrefix("OVERVIEW: A sample tool.") == true)
        #expect(try Sample.shown(["help"]) == Sample.tool.helpText())
        #expect(try Sample.shown(["help", "copy"]) == Sample.tool.helpText(for: Sample.copy))
        // After `--` it is an argument, not a request for help.
        let (_, parsed) = try Sample.parse(["copy", "--", "--help", "x"])
        #expect(parsed.positionals == ["--help", "x"])
    }
}
