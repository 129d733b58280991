import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("README")
struct ReadmeTests {
    /// The README's table of services is `SystemDeclaration`'s: a service added, moved or renamed in
    /// the code and not in the README fails here.
    @Test("the services table is the system's declaration")
    func servicesTable() throws {
        var table = "| service | default address | owns | purpose |\n|---|---|---|---|\n"
        for service in SystemDeclaration.services {
            let owns = service.databaseFile.map { "`DIR/\($0)`" } ?? "nothing"
            table += "| \(service.name) | 127.0.0.1:\(service.defaultPort) | \(owns) | \(service.purpose) |\n"
        }
        let (current, expected) = try GeneratedRegion("README.md", name: "services").compare(with: table)
        #expect(current == expected, "README.md's services table differs from SystemDeclaration: run `WAREHOUSE_UPDATE_DOCS=1 swift test --filter ReadmeTests`")
    }

    /// The README sends a newcomer to `docs/`, and the pages to each other and to the code: a page or a
    /// file moved or renamed without its links fails here.
    @Test("every link of the README and of docs/ to a file of the repository leads to one")
    func linksLeadSomewhere() throws {
        let docs = try FileManager.default.contentsOfDirectory(atPath: packageFile("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/\($0)" }
        #expect(docs.count > 3)
        var broken: [String] = []
        for page in ["README.md"] + docs.sorted() {
            let text = try String(contentsOf: packageFile(page), encoding: .utf8)
            let folder = packageFile(page).deletingLastPathComponent()
            for target in Self.relativeLinks(in: text) {
                let path = folder.appendingPathComponent(target).standardizedFileURL.path
                if !FileManager.default.fileExists(atPath: path) { broken.append("\(page): \(target)") }
            }
        }
        #expect(broken.isEmpty, "links to nothing: \(broken)")
    }

    /// The targets of the Markdown links `[text](target)` in `text` that name a file of the repository
    /// (not a web address, not an anchor on the same page), without their `#anchor`.
    static func relativeLinks(in text: String) -> [String] {
        text.matches(of: /\]\(([^)\s]+)\)/).compactMap { match in
            let target = String(match.1.prefix { $0 != "#" })
            guard !target.isEmpty, !target.contains("://"), !target.hasPrefix("mailto:") else { return nil }
            return target
        }
    }
}
