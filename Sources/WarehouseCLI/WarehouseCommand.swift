import ArgumentParser
import WarehouseKit

/// `warehouse`: every service of the platform in one executable.
package struct WarehouseCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "warehouse",
        abstract: "The Valerix order, inventory and notification platform, and its backups.",
        subcommands: [
            UpCommand.self, ServeCommand.self, ChaosCommand.self, LoadCommand.self, EventsCommand.self, SettingsCommand.self,
            ProbeCommand.self, BackupCommand.self,
        ]
    )

    package init() {}

    /// The entry point of the executable: JSON logs, then the command line.
    package static func start() async {
        JSONLogHandler.bootstrap()
        await main()
    }
}
