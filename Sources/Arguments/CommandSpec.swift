/// A command of the tool (`serve`, `export`, …): what `--help` says of it and what it takes.
public struct CommandSpec: Sendable {
    public let name: String
    /// One sentence: the first line of its help and its line in the tool's list.
    public let abstract: String
    /// Paragraphs after the abstract in its help; may be empty.
    public let discussion: String
    public let options: [OptionSpec]
    public let arguments: [ArgumentSpec]
    /// The usage line after `<tool> <name> `; by default every argument and option.
    public let usage: String?

    public init(
        name: String, abstract: String, discussion: String = "", options: [OptionSpec],
        arguments: [ArgumentSpec] = [], usage: String? = nil
    ) {
        precondition(Set(options.map(\.name)).count == options.count, "an option of \(name) is declared twice")
        precondition(arguments.dropLast().allSatisfy { $0.count == .one }, "only the last argument of \(name) may repeat")
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.arguments = arguments
        self.usage = usage
    }

    func option(named name: String) -> OptionSpec? {
        options.first { $0.name == name }
    }
}

/// The whole tool: its commands, the one run when none is named, and its version.
public struct ToolSpec: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String
    public let version: String
    public let commands: [CommandSpec]
    public let defaultCommand: String

    public init(name: String, abstract: String, discussion: String, version: String, commands: [CommandSpec], defaultCommand: String) {
        precondition(commands.contains { $0.name == defaultCommand }, "the default command \(defaultCommand) is not a command")
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.commands = commands
        self.defaultCommand = defaultCommand
    }

    func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }
}

/// What a command line asks for.
public enum Invocation: Sendable {
    /// Run `command` with these arguments.
    case run(command: String, ParsedArguments)
    /// Print this text (help or the version) to standard output and exit 0.
    case show(String)
}

/// A mistake in the command line: printed with the command's usage, exit status 64
/// (`EX_USAGE`), and nothing is done.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// The command the mistake was made in, for the usage line; nil at the tool's level.
    public var command: String?

    public init(_ description: String, command: String? = nil) {
        self.description = description
        self.command = command
    }
}
