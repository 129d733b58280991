import Foundation
import Testing
import WarehouseKit

@testable import WarehouseCLI

@Suite("Settings documentation")
struct SettingsDocumentationTests {
    /// `docs/CONFIGURATION.md` is made by `warehouse settings --markdown`; this fails when a setting was
    /// added, removed or changed in the code but not in the document, or the other way round.
    @Test("docs/CONFIGURATION.md is what `warehouse settings --markdown` prints")
    func documentMatchesTheCode() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("docs/CONFIGURATION.md"), encoding: .utf8)
        #expect(
            document == SettingsDocumentation.markdown,
            "docs/CONFIGURATION.md differs from the code: run `swift run warehouse settings --markdown > docs/CONFIGURATION.md`")
    }

    @Test("every setting is listed once, with its environment variable")
    func everySettingListed() {
        let markdown = SettingsDocumentation.markdown
        for (_, settings) in SettingsDocumentation.commands {
            for setting in settings {
                #expect(markdown.contains("`\(setting.environmentName)`"), "\(setting.name)")
            }
        }
        #expect(markdown.components(separatedBy: "`WAREHOUSE_ORDER_DEADLINE_MS`").count == 2)
    }

    @Test("up --help and serve --help list their settings")
    func help() {
        let up = UpCommand.helpMessage()
        #expect(up.contains("--gremlin-every"))
        #expect(up.contains("WAREHOUSE_ORDER_PORT"))
        let serve = ServeCommand.helpMessage()
        #expect(serve.contains("--inventory-url"))
        #expect(serve.contains("WAREHOUSE_DATABASE_URL") || serve.contains("WAREHOUSE_DATA_DIR"))
    }
}
