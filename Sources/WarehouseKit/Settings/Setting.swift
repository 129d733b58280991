import Foundation

/// One setting of a service process, declared once: `--name VALUE` on the command line,
/// `WAREHOUSE_NAME` in the environment (the flag wins), the default, the rule a value must keep, and
/// the help text. The command line, the environment, `warehouse up`'s children, `--help` and
/// `docs/CONFIGURATION.md` are all made from these declarations.
package struct Setting<Value: SettingValue>: SettingDeclaration {
    package let name: String
    package let group: String
    package let help: String
    package let defaultValue: Value
    /// What the default means, when its text would not say it (`the service's own port`).
    package let defaultDescription: String?
    package let rule: SettingRule<Value>
    package let isSecret: Bool
    package let isPerProcess: Bool

    /// - Parameters:
    ///   - name: the flag without its dashes, `order-deadline-ms`.
    ///   - group: the heading it is listed under in help and docs.
    ///   - secret: read from the environment only, never from a flag (the command line of a process is
    ///     visible to everyone on the machine), and passed to `warehouse up`'s children the same way.
    ///   - perProcess: decided by `warehouse up` for each child (its port, its database, the URLs of
    ///     the others): `serve` takes it, `up` does not.
    package init(
        _ name: String,
        group: String,
        default defaultValue: Value,
        defaultDescription: String? = nil,
        rule: SettingRule<Value> = .any,
        secret: Bool = false,
        perProcess: Bool = false,
        help: String
    ) {
        self.name = name
        self.group = group
        self.help = help
        self.defaultValue = defaultValue
        self.defaultDescription = defaultDescription
        self.rule = rule
        self.isSecret = secret
        self.isPerProcess = perProcess
    }

    package var isFlag: Bool { Value.self == Bool.self }

    package var defaultText: String? {
        if let defaultDescription { return defaultDescription }
        let text = defaultValue.settingText
        return text.isEmpty ? nil : text
    }

    package var valueText: String {
        rule.text.map { "\(Value.settingKind), \($0)" } ?? Value.settingKind
    }

    package func problem(with text: String) -> String? {
        guard let value = Value(settingText: text) else { return "must be \(Value.settingExpectation)" }
        return rule.problem(value)
    }

    /// The value in `text`, when it is one (checked when it was given).
    func value(_ text: String?) -> Value {
        text.flatMap(Value.init(settingText:)) ?? defaultValue
    }
}

/// What every setting says about itself, whatever its type: enough to parse, check, list and pass it on.
package protocol SettingDeclaration: Sendable {
    var name: String { get }
    var group: String { get }
    var help: String { get }
    var isFlag: Bool { get }
    var isSecret: Bool { get }
    var isPerProcess: Bool { get }
    /// The default as it is listed, nil when unset by default.
    var defaultText: String? { get }
    /// The kind of value and its rule, as it is listed: `integer, 1 to 65535`.
    var valueText: String { get }
    /// Why `text` is not a valid value, or nil when it is.
    func problem(with text: String) -> String?
}

extension SettingDeclaration {
    /// `--name`.
    package var flag: String { "--" + name }

    /// `WAREHOUSE_NAME`: the flag's name in capitals, dashes as underscores.
    package var environmentName: String {
        "WAREHOUSE_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// What a value of a setting must keep, beyond being of its type.
package struct SettingRule<Value: SettingValue>: Sendable {
    /// How the rule is listed: `1 to 65535`.
    package let text: String?
    /// Why `value` breaks the rule, or nil.
    package let problem: @Sendable (Value) -> String?

    package init(text: String?, problem: @escaping @Sendable (Value) -> String?) {
        self.text = text
        self.problem = problem
    }

    package static var any: SettingRule { SettingRule(text: nil) { _ in nil } }
}

extension SettingRule where Value: Comparable {
    package static func within(_ range: ClosedRange<Value>) -> SettingRule {
        let text = "\(range.lowerBound.settingText) to \(range.upperBound.settingText)"
        return SettingRule(text: text) { range.contains($0) ? nil : "must be between \(text.replacingOccurrences(of: " to ", with: " and "))" }
    }
}

extension SettingRule {
    /// At least `minimum`, for a setting that may be left unset (`--gremlin-every`).
    package static func atLeast<Wrapped: Comparable & SettingValue>(_ minimum: Wrapped) -> SettingRule
    where Value == Wrapped? {
        SettingRule(text: "at least \(minimum.settingText)") { value in
            guard let value, value < minimum else { return nil }
            return "must be at least \(minimum.settingText)"
        }
    }

    /// The rule of the wrapped value, for a setting that may be left unset.
    package static func within<Wrapped: Comparable & SettingValue>(_ range: ClosedRange<Wrapped>) -> SettingRule
    where Value == Wrapped? {
        let inner = SettingRule<Wrapped>.within(range)
        return SettingRule(text: inner.text) { value in value.flatMap(inner.problem) }
    }
}
