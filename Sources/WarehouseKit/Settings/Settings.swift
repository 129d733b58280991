/// The settings of one process: each one given by its flag, else by its environment variable, else
/// its default.
///
/// Values are kept as the text they were given in, once checked against their declaration, so what
/// `warehouse up` passes on to a child is exactly what it was given: there is no second spelling of a
/// setting anywhere.
package struct Settings: Sendable, Equatable {
    /// The values given, by setting name.
    package private(set) var given: [String: String]

    package init(_ given: [String: String] = [:]) {
        self.given = given
    }

    /// The value of `setting`: the one given, else its default.
    package subscript<Value>(_ setting: Setting<Value>) -> Value {
        get { setting.value(given[setting.name]) }
        set {
            let text = newValue.settingText
            given[setting.name] = text.isEmpty ? nil : text
        }
    }

    package func isGiven(_ setting: some SettingDeclaration) -> Bool {
        given[setting.name] != nil
    }

    /// Reads `arguments` (`--name VALUE`, `--name=VALUE`, a bare `--flag`) and then, for every declared
    /// setting not among them, its environment variable. Anything else in `environment` is ignored:
    /// one environment may configure several services.
    ///
    /// - Parameter command: what is being configured (`serve order`), for the error messages.
    /// - Throws: `SettingsError` for an unknown flag, a missing or invalid value, or a secret given as a flag.
    package static func parse(
        _ arguments: [String],
        environment: [String: String],
        declared: [any SettingDeclaration],
        command: String
    ) throws(SettingsError) -> Settings {
        let byName = Dictionary(declared.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var given: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let token = arguments[index]
            index += 1
            guard token.hasPrefix("--"), token.count > 2 else { throw .unexpectedArgument(token, command: command) }
            let (name, inline) = Self.split(token.dropFirst(2))
            guard let setting = byName[name] else { throw .unknown("--" + name, command: command) }
            if setting.isSecret { throw .secretOnCommandLine(setting.flag, environmentName: setting.environmentName) }
            let text: String
            if let inline {
                text = inline
            } else if setting.isFlag {
                text = "true"
            } else {
                guard index < arguments.endIndex else { throw .missingValue(setting.flag) }
                text = arguments[index]
                index += 1
            }
            if let problem = setting.problem(with: text) { throw .invalid(setting.flag, text, problem) }
            given[name] = text
        }
        for setting in declared where given[setting.name] == nil {
            guard let text = environment[setting.environmentName], !text.isEmpty else { continue }
            if let problem = setting.problem(with: text) { throw .invalid(setting.environmentName, text, problem) }
            given[setting.name] = text
        }
        return Settings(given)
    }

    /// Only the values of `declared` settings.
    package func restricted(to declared: [any SettingDeclaration]) -> Settings {
        let names = Set(declared.map(\.name))
        return Settings(given.filter { names.contains($0.key) })
    }

    /// The values given, as the arguments that give them again, in the order `declared` lists them.
    /// Secrets are left out: they travel in `secretEnvironment`.
    package func arguments(_ declared: [any SettingDeclaration]) -> [String] {
        declared.filter { !$0.isSecret }.flatMap { setting -> [String] in
            guard let text = given[setting.name] else { return [] }
            if setting.isFlag { return Bool(settingText: text) == true ? [setting.flag] : [] }
            return [setting.flag, text]
        }
    }

    /// The secret values given, as the environment variables that give them again.
    package func secretEnvironment(_ declared: [any SettingDeclaration]) -> [String: String] {
        var environment: [String: String] = [:]
        for setting in declared where setting.isSecret {
            if let text = given[setting.name] { environment[setting.environmentName] = text }
        }
        return environment
    }

    /// `name=value` into its parts; `name` alone has no inline value.
    private static func split(_ body: Substring) -> (name: String, value: String?) {
        guard let equals = body.firstIndex(of: "=") else { return (String(body), nil) }
        return (String(body[..<equals]), String(body[body.index(after: equals)...]))
    }
}

/// A setting that could not be read; the description is the message a person reads.
package enum SettingsError: Error, Equatable, CustomStringConvertible {
    case unknown(String, command: String)
    case unexpectedArgument(String, command: String)
    case missingValue(String)
    /// Where the value came from (`--port`, `WAREHOUSE_PORT`), the value, and what is wrong with it.
    case invalid(String, String, String)
    case secretOnCommandLine(String, environmentName: String)
    /// A rule across settings, such as "give --gremlin-every or --gremlin-fraction, not both".
    case conflict(String)

    package var description: String {
        switch self {
        case .unknown(let flag, let command):
            "\(flag) is not a setting of `warehouse \(command)` (`warehouse settings` lists them all)"
        case .unexpectedArgument(let token, let command):
            "unexpected argument '\(token)' for `warehouse \(command)`"
        case .missingValue(let flag):
            "\(flag) needs a value"
        case .invalid(let source, let value, let problem):
            "\(source) \(problem) (given: \(value))"
        case .secretOnCommandLine(let flag, let environmentName):
            "\(flag) is read from \(environmentName) only: on the command line everyone on the machine could read it"
        case .conflict(let message):
            message
        }
    }
}
