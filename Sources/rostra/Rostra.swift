import ArgumentParser
import Emulator

@main
struct Rostra: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A local emulator of the Rosti API and the Rosa File Store API.",
        discussion: """
            `rostra` alone serves the Rosti API on http://127.0.0.1:8000/ and the Rosa File Store \
            API on http://127.0.0.1:8001/, with the admin API and dashboard at /__admin/ on both. \
            Getting started: docs/getting-started.md.
            """,
        version: RostraVersion.string,
        subcommands: [ServeCommand.self, ExportCommand.self, ImportCommand.self, HealthCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
