import Foundation

/// Where a service keeps its data, as `--database-url` names it. Today `sqlite:///absolute/path`;
/// each service's storage opens the backend the URL names (`OrderStorage.open`, `InventoryStorage.open`),
/// so a second backend is a case here and one there.
package enum DatabaseURL: SettingValue, Equatable, CustomStringConvertible {
    /// An SQLite file (WAL), created with its directory when missing.
    case sqlite(path: String)

    /// `sqlite:///absolute/path/file.sqlite`.
    package init?(settingText: String) {
        guard let components = URLComponents(string: settingText), components.scheme == "sqlite",
            components.host?.isEmpty ?? true, components.query == nil, components.path.hasPrefix("/"),
            components.path.count > 1, !components.path.hasSuffix("/")
        else { return nil }
        self = .sqlite(path: components.path)
    }

    /// The default of a service: its file in the data directory.
    package init(file: String, in dataDirectory: URL) {
        self = .sqlite(path: dataDirectory.appendingPathComponent(file).path)
    }

    package var settingText: String {
        switch self {
        case .sqlite(let path): "sqlite://" + path
        }
    }

    package var description: String { settingText }

    package static var settingKind: String { "URL" }
    package static var settingExpectation: String { "a database URL: sqlite:///absolute/path/file.sqlite" }
}
