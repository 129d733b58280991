import ArgumentParser

/// `warehouse settings`: every setting of every service, with its flag, environment variable and default.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List every setting of `up` and `serve`: its flag, environment variable, default and meaning.",
        discussion: "With --markdown it prints docs/CONFIGURATION.md, which a test keeps equal to it."
    )

    @Flag(help: "Print the Markdown document instead of the plain list.") var markdown = false

    func run() {
        print(markdown ? SettingsDocumentation.markdown : SettingsDocumentation.help(for: SettingsDocumentation.commands), terminator: "")
    }
}
