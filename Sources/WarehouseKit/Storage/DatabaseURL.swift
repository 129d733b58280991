import Foundation

/// Where a service keeps its data, as `--database-url` names it: `sqlite:///absolute/path` or
/// `postgres://user[:password]@host[:port]/database[?schema=name]`. Each service's storage opens the
/// backend the URL names (`OrderStorage.open`, `InventoryStorage.open`, `NotificationStorage.open`).
package enum DatabaseURL: SettingValue, Equatable, CustomStringConvertible {
    /// An SQLite file (WAL), created with its directory when missing.
    case sqlite(path: String)
    /// A PostgreSQL database; the service keeps its tables in a schema of its own there.
    case postgres(PostgresURL)

    /// `sqlite:///absolute/path/file.sqlite` or `postgres://user@host:port/database`.
    package init?(settingText: String) {
        if let postgres = PostgresURL(settingText) {
            self = .postgres(postgres)
            return
        }
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
        case .postgres(let url): url.text
        }
    }

    /// The URL without its password: what logs and errors may show.
    package var description: String {
        switch self {
        case .sqlite: settingText
        case .postgres(let url): url.redacted
        }
    }

    package static var settingKind: String { "URL" }
    package static var settingExpectation: String {
        "a database URL: sqlite:///absolute/path/file.sqlite or postgres://user[:password]@host[:port]/database[?schema=name]"
    }
}

/// A PostgreSQL server, database and (optionally) schema, from a `postgres://` (or `postgresql://`) URL.
///
/// Every service owns a schema of its own in the database it is given: the one the URL names with
/// `?schema=`, else the service's own (`orders`, `inventory`, `notifications`). So one database can hold
/// the whole system (`warehouse up --database-url`) and no service ever reads another's tables.
package struct PostgresURL: Sendable, Hashable {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String?
    package var database: String
    /// The schema the service keeps its tables in; nil: its own default.
    package var schema: String?

    package init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, schema: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.schema = schema
    }

    package init?(_ text: String) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty, let username = components.user, !username.isEmpty
        else { return nil }
        let database = String(components.path.dropFirst())
        guard components.path.hasPrefix("/"), Self.isName(database) else { return nil }
        var schema: String?
        for item in components.queryItems ?? [] {
            // Only the schema is understood; anything else (sslmode, ...) is refused rather than ignored.
            guard item.name == "schema", let value = item.value, Self.isName(value) else { return nil }
            schema = value
        }
        self.init(
            host: host, port: components.port ?? 5432, username: username, password: components.password,
            database: database, schema: schema)
    }

    /// The URL as given (password included): what a child process is handed.
    package var text: String { render(password: password) }

    /// The URL with the password replaced by `***`.
    package var redacted: String { render(password: password.map { _ in "***" }) }

    /// `host:port/database`, and the schema: how health outputs and errors name the database.
    package var place: String { "\(host):\(port)/\(database)" }

    private func render(password: String?) -> String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if let schema { components.queryItems = [URLQueryItem(name: "schema", value: schema)] }
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// A database or schema name this code quotes safely: letters, digits and `_`, not starting with a
    /// digit, at most 63 bytes (PostgreSQL's limit).
    package static func isName(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 63, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
