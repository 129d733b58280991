import Foundation
import Testing
import WarehouseKit
import WarehouseLab

/// Where the chaos experiment kills, and which process: with replicas, one of a tier at a time, in turn.
struct KillScheduleTests {
    let schedule = [(ServiceName.inventory, [0.2, 0.45, 0.7]), (.order, [0.55]), (.notification, [0.35])]

    @Test("one process of each service: each kill strikes the service's only process")
    func oneProcessEach() {
        let plan = KillSchedule(schedule, total: 1000).plan
        #expect(plan == [200: "inventory", 450: "inventory", 700: "inventory", 550: "order", 350: "notification"])
    }

    @Test("replicas: the kills of a tier take its replicas in turn, so each is killed while the other serves")
    func replicasInTurn() throws {
        var configuration = ChaosExperiment.Configuration(executable: URL(fileURLWithPath: "/bin/true"))
        configuration.runOnPostgres(replicas: try #require(ReplicaCounts(settingText: "order=2,inventory=2")))
        let plan = KillSchedule(
            [(.inventory, configuration.inventoryKills), (.order, configuration.orderKills), (.notification, configuration.notificationKills)],
            replicas: configuration.replicas, total: 300
        ).plan
        #expect(
            plan == [
                60: "inventory-1", 135: "inventory-2", 210: "inventory-1",
                90: "order-1", 165: "order-2", 240: "order-1",
                105: "notification",
            ])
    }

    @Test("three replicas: the fourth kill comes back to the first")
    func wrapsAround() throws {
        let plan = KillSchedule([(.inventory, [0.1, 0.2, 0.3, 0.4])], replicas: try #require(ReplicaCounts(settingText: "inventory=3")), total: 100).plan
        #expect(plan == [10: "inventory-1", 20: "inventory-2", 30: "inventory-3", 40: "inventory-1"])
    }

    @Test("on PostgreSQL with replicas, up is started with both flags and every replica's faults are switched off")
    func systemArguments() throws {
        var configuration = ChaosExperiment.Configuration(executable: URL(fileURLWithPath: "/bin/true"))
        #expect(!configuration.systemArguments.contains("--postgres"))
        #expect(configuration.topology == "SQLite files, one process of each service")
        #expect(configuration.faultInstances == ["inventory", "order"])
        configuration.runOnPostgres(replicas: try #require(ReplicaCounts(settingText: "order=2,inventory=2")))
        let arguments = configuration.systemArguments
        #expect(arguments.contains("--postgres"))
        #expect(arguments.suffix(2) == ["--replicas", "inventory=2,order=2"])
        #expect(arguments.starts(with: configuration.faultArguments))
        #expect(configuration.faultInstances == ["inventory-1", "inventory-2", "order-1", "order-2"])
        #expect(configuration.topology.hasPrefix("PostgreSQL (a throwaway local cluster), order ×2 and inventory ×2 behind HAProxy"))
    }
}
