import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

@testable import WarehouseCLI

/// What `warehouse up --replicas` plans: replicas on ports of their own and HAProxy on the service's.
@Suite("warehouse up --replicas")
struct ReplicaPlanTests {
    @Test("replica counts: order, inventory and notification, 1 to 8 each; anything else is refused")
    func counts() {
        let parsed = ReplicaCounts(settingText: "order=2,inventory=3")
        #expect(parsed?.count(of: .order) == 2)
        #expect(parsed?.count(of: .inventory) == 3)
        #expect(parsed?.count(of: .notification) == 1)
        #expect(parsed?.settingText == "inventory=3,order=2")
        #expect(ReplicaCounts(settingText: "notification=2")?.instances(of: .notification) == ["notification-1", "notification-2"])
        for bad in ["order=0", "order=9", "notification=9", "console=2", "backup-vendor=2", "order=2,order=3", "order", "order=x", "=2", "order=2,"] {
            #expect(ReplicaCounts(settingText: bad) == nil, "\(bad)")
        }
    }

    @Test("replicas need PostgreSQL: on SQLite files up refuses them")
    func replicasNeedPostgres() throws {
        #expect(throws: (any Error).self) { try UpCommand.parse(["--replicas", "order=2"]).validate() }
    }

    @Test(
        "with PostgreSQL: each replica serves on a port of its own, and HAProxy on the service's checks /health/ready",
        .enabled(if: HAProxyBalancer.executable() != nil, "haproxy is not installed"))
    func replicasBehindABalancer() async throws {
        try await withTemporaryDirectory { directory in
            let up = try UpCommand.parse([
                "--data-dir", directory.path, "--database-url", "postgres://warehouse@127.0.0.1:5432/warehouse", "--replicas",
                "order=2",
            ])
            let (_, addresses, children) = try up.plan()
            let orders = children.filter { $0.name == .order }
            #expect(orders.map(\.instance) == ["order-1", "order-2", "order-balancer"])
            let replicaPorts = orders.prefix(2).map { $0.url.port! }
            #expect(Set(replicaPorts).count == 2 && !replicaPorts.contains(addresses.port(of: .order)))
            let balancer = try #require(orders.last)
            #expect(balancer.url == addresses.url(of: .order))
            #expect(balancer.executable == HAProxyBalancer.executable())
            let configuration = try String(contentsOfFile: try #require(balancer.arguments.last), encoding: .utf8)
            #expect(configuration.contains("bind 127.0.0.1:\(addresses.port(of: .order))"))
            #expect(configuration.contains("option httpchk GET /health/ready"))
            for port in replicaPorts { #expect(configuration.contains("127.0.0.1:\(port) check")) }
            // Inventory is not replicated: one child, on its own port, which order calls through.
            #expect(children.filter { $0.name == .inventory }.map(\.instance) == ["inventory"])
        }
    }
}
