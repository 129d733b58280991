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
}
