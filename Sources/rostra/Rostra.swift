import Arguments
import Emulator
import Foundation

/// `rostra`: reads the command line through the commands' option tables (module
/// `Arguments`), then runs the command. Usage mistakes exit 64 (`EX_USAGE`) with the
/// command's usage; failures while running exit 1 with `Error: …`.
@main
enum Rostra {
    static let commands: [any RostraCommand.Type] = [ServeCommand.self, ExportCommand.self, ImportCommand.self, HealthCommand.self, CACommand.self]

    static let tool = ToolSpec(
        name: "rostra",
        abstract: "A local emulator of the Rosti API and the Rosa File Store API.",
        discussion: """
            `rostra` alone serves the Rosti API on http://127.0.0.1:8000/ and the Rosa File Store \
            API on http://127.0.0.1:8001/, with the admin API and dashboard at /__admin/ on both. \
            Getting started: docs/getting-started.md.
            """,
        version: RostraVersion.string,
        commands: commands.map { $0.spec },
        defaultCommand: ServeCommand.spec.name
    )

    static func main() {
        // getenv on demand: ProcessInfo's environment builds a dictionary of every variable.
        let environment: @Sendable (String) -> String? = { name in getenv(name).map { String(cString: $0) } }
        var commandName: String?
        do {
            switch try tool.parse(Array(CommandLine.arguments.dropFirst()), environment: environment) {
            case .show(let text):
                Output.standardOutput(text)
            case .run(let name, let arguments):
                commandName = name
                let command = try commands.first { $0.spec.name == name }!.init(arguments)
                try command.run()
            }
        } catch var error as UsageError {
            error.command = error.command ?? commandName
            Output.standardError(tool.errorText(for: error))
            exit(64)
        } catch {
            Output.standardError("Error: \(error)\n")
            exit(1)
        }
    }
}

/// A command of `rostra`: its option table, and a value made from parsed arguments (all
/// checking happens there, so a mistake is reported before anything is done).
protocol RostraCommand: SendableMetatype {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments) throws(UsageError)
    func run() throws
}

/// A failure while running (not a mistake in the arguments): printed as `Error: …` with no
/// usage text, and the process exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
