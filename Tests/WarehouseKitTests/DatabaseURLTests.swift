import Foundation
import Testing
import WarehouseKit

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
        #expect(byDefault.databaseURL(of: .order) == .sqlite(path: "/srv/data/orders.sqlite"))
        #expect(byDefault.databaseURL(of: .inventory) == .sqlite(path: "/srv/data/inventory.sqlite"))
        let given = try Settings.parse([], environment: ["WAREHOUSE_DATABASE_URL": "sqlite:///db/o.sqlite"], declared: declared, command: "serve")
        #expect(given.databaseURL(of: .order) == .sqlite(path: "/db/o.sqlite"))
        #expect(throws: SettingsError.self) {
            try Settings.parse(["--database-url", "postgres://db/orders"], environment: [:], declared: declared, command: "serve")
        }
    }
}
