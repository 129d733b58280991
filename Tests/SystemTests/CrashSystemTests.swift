import Foundation
import Testing
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// Real faults on real processes: `kill -9` of a child under `warehouse up`, and a clean stop.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CrashSystemTests {
    @Test func inventoryKilledWithSIGKILLIsRestartedAndOrdersShipAgain() async throws {
        try await SystemLauncher.with { system in
            #expect(try await system.placeOrder([("PAD-DUALSENSE", 1)]).status == 201)

            try await system.killAndAwaitRestart("inventory")

            let reply = try await system.placeOrder([("PAD-DUALSENSE", 1)])
            #expect(reply.status == 201)
            #expect(try reply.json(OrderDTO.self).status == "shipped")
            #expect(system.log().contains("restarting"))
        }
    }

    @Test func acknowledgedOrdersSurviveSIGKILLOfTheOrderProcess() async throws {
        try await SystemLauncher.with { system in
            var acknowledged: [String: String] = [:]
            for index in 0..<20 {
                let reply = try await system.placeOrder(customer: "c-\(index)", [("CABLE-HDMI21", 1)])
                acknowledged[try reply.json(OrderDTO.self).id] = try reply.json(OrderDTO.self).status
            }

            try await system.killAndAwaitRestart("order")

            for (id, status) in acknowledged {
                #expect(try await system.order(id).status == status)
            }
            #expect(try await system.orders().count == 20)
        }
    }

    @Test func upStopsEveryChildAndExitsZeroOnSIGTERM() async throws {
        try await SystemLauncher.with { system in
            let children = [try system.requirePID(of: "order"), try system.requirePID(of: "inventory")]

            let status = await system.terminate()

            #expect(status == 0)
            #expect(!system.log().contains("Error:"), "a child did not stop cleanly")
            for pid in children {
                // kill(pid, 0) fails with ESRCH once the process is gone (and reaped by its parent).
                #expect(kill(pid, 0) != 0, "child \(pid) outlived warehouse up")
            }
        }
    }
}
