import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("DatabaseURL")
struct DatabaseURLTests {
    @Test("sqlite:///absolute/path names an SQLite file, and reads back as it was written")
    func sqlite() throws {
        let url = try #require(DatabaseURL(settingText: "sqlite:///var/lib/warehouse/orders.sqlite"))
        #expect(url == .sqlite(path: "/var/lib/warehouse/orders.sqlite"))
        #expect(url.settingText == "sqlite:///var/lib/warehouse/orders.sqlite")
        #expect(DatabaseURL(file: "orders.sqlite", in: URL(fileURLWithPath: "/data", isDirectory: true)) == .sqlite(path: "/data/orders.sqlite"))
    }

    @Test(
        "anything else is refused",
        arguments: ["sqlite://relative.sqlite", "sqlite:relative.sqlite", "sqlite:///", "sqlite:///dir/", "/abs/file.sqlite",
            "postgres://localhost/orders", "sqlite:///a.sqlite?mode=ro", ""])
    func refused(_ text: String) {
        #expect(DatabaseURL(settingText: text) == nil)
    }

    @Test("a service reads --database-url, else its own file in --data-dir")
    func defaultsFromTheDataDirectory() throws {
        let declared: [any SettingDeclaration] = [CommonSettings.dataDirectory, CommonSettings.databaseURL]
        let byDefault = try Settings.parse(["--data-dir", "/srv/data"], environment: [:], declared: declared, command: "serve")
        #expect(try byDefault.databaseURL(of: .order) == .sqlite(path: "/srv/data/orders.sqlite"))
        #expect(try byDefault.databaseURL(of: .inventory) == .sqlite(path: "/srv/data/inventory.sqlite"))
        let given = try Settings.parse([], environment: ["WAREHOUSE_DATABASE_URL": "sqlite:///db/o.sqlite"], declared: declared, command: "serve")
        #expect(try given.databaseURL(of: .order) == .sqlite(path: "/db/o.sqlite"))
        #expect(throws: SettingsError.self) {
            try Settings.parse(["--database-url", "postgres://db/orders"], environment: [:], declared: declared, command: "serve")
        }
    }

    @Test("--database-url-file reads the URL from a private file, and says what is wrong without showing what it holds")
    func fromAFile() async throws {
        try await withTemporaryDirectory { directory in try Self.checkFromAFile(in: directory) }
    }

    private static func checkFromAFile(in directory: URL) throws {
        let file = directory.appendingPathComponent("database-url").path
        let declared: [any SettingDeclaration] = [CommonSettings.databaseURL, CommonSettings.databaseURLFile]
        func settings(_ arguments: [String], environment: [String: String] = [:]) throws -> Settings {
            try Settings.parse(arguments, environment: environment, declared: declared, command: "serve")
        }
        let fromFile = try settings([], environment: ["WAREHOUSE_DATABASE_URL_FILE": file])

        #expect(throws: SettingsError.invalid("--database-url-file", file, "cannot be read")) {
            try fromFile.databaseURL(of: .order)
        }

        try SecretFile.createPrivate(file, contents: "postgres://orders:s3cret@db.internal:5433/warehouse_orders\n")
        #expect(try fromFile.databaseURL(of: .order) == .postgres(PostgresURL(
            host: "db.internal", port: 5433, username: "orders", password: "s3cret", database: "warehouse_orders")))

        let both = try settings(["--database-url", "sqlite:///db/o.sqlite", "--database-url-file", file])
        #expect(throws: SettingsError.conflict("give --database-url or --database-url-file, not both")) {
            try both.databaseURL(of: .order)
        }

        // Others may read it: refused, as a token file would be.
        chmod(file, 0o644)
        #expect(throws: SettingsError.invalid(
            "--database-url-file", file, "may be read by other users (mode 644); make it 0400 or 0440")) {
            try fromFile.databaseURL(of: .order)
        }

        // Not a URL: the error names the file and what it should hold, never its contents.
        chmod(file, 0o600)
        try "postgres://orders:s3cret@/nowhere".write(toFile: file, atomically: false, encoding: .utf8)
        let error = try #require(throws: SettingsError.self) { try fromFile.databaseURL(of: .order) }
        #expect(!error.description.contains("s3cret"))
        #expect(error.description.contains(file))
    }
}
