import ArgumentParser
import Emulator

@main
struct Rostra: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A local emulator of the Rosti API and the Rosa File Store API.",
        version: RostraVersion.string,
        subcommands: [ServeCommand.self, ExportCommand.self, ImportCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
