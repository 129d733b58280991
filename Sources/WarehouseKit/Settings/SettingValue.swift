import Foundation

/// A type a setting can hold: read from the text of a flag or an environment variable, and written
/// back as the same text.
package protocol SettingValue: Sendable, Equatable {
    /// Nil when `settingText` is not a value of this type.
    init?(settingText: String)
    var settingText: String { get }
    /// How a value is written, for help and the docs: `integer`, `http(s) URL`, `full | normal`.
    static var settingKind: String { get }
    /// What a value must be, for an error: `an integer`, `one of full, normal`.
    static var settingExpectation: String { get }
}

extension Int: SettingValue {
    package init?(settingText: String) { self.init(settingText) }
    package var settingText: String { String(self) }
    package static var settingKind: String { "integer" }
    package static var settingExpectation: String { "an integer" }
}

extension UInt64: SettingValue {
    package init?(settingText: String) { self.init(settingText) }
    package var settingText: String { String(self) }
    package static var settingKind: String { "integer" }
    package static var settingExpectation: String { "a whole number from 0" }
}

extension Double: SettingValue {
    package init?(settingText: String) {
        guard let value = Double(settingText), value.isFinite else { return nil }
        self = value
    }
    /// Whole numbers without a fraction (`1`, not `1.0`), so help and docs read as people write them.
    package var settingText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : "\(self)"
    }
    package static var settingKind: String { "number" }
    package static var settingExpectation: String { "a number" }
}

extension String: SettingValue {
    package init?(settingText: String) { self = settingText }
    package var settingText: String { self }
    package static var settingKind: String { "text" }
    package static var settingExpectation: String { "text" }
}

/// On the command line a flag (`--naive`); in the environment `true` or `false` (also `1`, `0`, `yes`, `no`).
extension Bool: SettingValue {
    package init?(settingText: String) {
        switch settingText.lowercased() {
        case "true", "1", "yes": self = true
        case "false", "0", "no": self = false
        default: return nil
        }
    }
    package var settingText: String { self ? "true" : "false" }
    package static var settingKind: String { "flag" }
    package static var settingExpectation: String { "true or false" }
}

/// An `http://` or `https://` URL with a host: where another service answers.
package struct ServiceURL: SettingValue, CustomStringConvertible {
    package let url: URL

    package init?(settingText: String) {
        guard let url = URL(string: settingText), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            return nil
        }
        self.url = url
    }

    package init(_ url: URL) { self.url = url }

    package var settingText: String { url.absoluteString }
    package var description: String { settingText }
    package static var settingKind: String { "http(s) URL" }
    package static var settingExpectation: String { "an http:// or https:// URL with a host" }
}

/// A setting that may be left unset: `--gremlin-every` is off unless given.
extension Optional: SettingValue where Wrapped: SettingValue {
    package init?(settingText: String) {
        guard let value = Wrapped(settingText: settingText) else { return nil }
        self = .some(value)
    }
    package var settingText: String { self?.settingText ?? "" }
    package static var settingKind: String { Wrapped.settingKind }
    package static var settingExpectation: String { Wrapped.settingExpectation }
}

/// The choices of an enumeration, by their raw values.
extension SettingValue where Self: RawRepresentable, Self.RawValue == String, Self: CaseIterable {
    package init?(settingText: String) { self.init(rawValue: settingText) }
    package var settingText: String { rawValue }
    package static var settingKind: String { allCases.map(\.rawValue).joined(separator: " | ") }
    package static var settingExpectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
}
