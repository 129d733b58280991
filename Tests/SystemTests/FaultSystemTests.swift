import Foundation
import Testing
import WarehouseLab

/// Each fault of "Schrödinger's warehouse" on its own, on real processes: whatever happens after the
/// commit, the order ends shipped and the stock is deducted exactly once.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FaultSystemTests {
    @Test func inventoryExitingAfterCommitIsRestartedAndTheOrderShipsOnce() async throws {
        try await SystemLauncher.with(["--crash-after-commit-every", "1"]) { system in
            let before = try await system.stock("CONSOLE-XSX")
            let inventory = try system.requirePID(of: "inventory")
            let reply = try await system.placeOrder([("CONSOLE-XSX", 2)], idempotencyKey: "crash-1")
            #expect([201, 202].contains(reply.status))
            let id = try reply.json(OrderDTO.self).id

            try await eventually("the order has shipped", timeout: .seconds(30)) {
                try await system.order(id).status == "shipped"
            }
            #expect(try system.requirePID(of: "inventory") != inventory, "inventory really exited and was restarted")
            #expect(system.log().contains("chaos: exiting after commit"))
            #expect(try await system.stock("CONSOLE-XSX") == before - 2)

            // The restarted process reports the crash its predecessor suffered: the ledger row committed
            // with the deduction, before the exit.
            let token = try system.adminToken
            let ledger = try await system.request(.GET, system.inventoryURL + "/admin/faults", headers: [("Authorization", "Bearer \(token)")])
            #expect(ledger.status == 200)
            let faults = try ledger.json(FaultLedgerDTO.self)
            #expect(faults.deductions == 1)
            #expect(faults.faults.first { $0.kind == "crash-after-commit" } == .init(kind: "crash-after-commit", deductions: 1, injections: 1))
        }
    }

    @Test func inventoryAnswering500AfterCommitStillShipsOnce() async throws {
        try await SystemLauncher.with(["--error-after-commit-every", "1"]) { system in
            let before = try await system.stock("CONSOLE-XSX")
            let reply = try await system.placeOrder([("CONSOLE-XSX", 1)])
            let id = try reply.json(OrderDTO.self).id
            try await eventually("the order has shipped", timeout: .seconds(30)) {
                try await system.order(id).status == "shipped"
            }
            #expect(try await system.stock("CONSOLE-XSX") == before - 1)
            let metrics = String(decoding: try await system.request(.GET, system.inventoryURL + "/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"chaos_faults_total{kind="error_after_commit"} 1"#))
        }
    }

    @Test func aClientRetryingAfterA500OnTheWayBackGetsTheSameOrder() async throws {
        try await SystemLauncher.with(["--order-error-after-store-every", "1"]) { system in
            let before = try await system.stock("HEADSET-PULSE")
            let first = try await system.placeOrder([("HEADSET-PULSE", 1)], idempotencyKey: "noise-1")
            #expect(first.status == 500)
            #expect(first.headers["Content-Type"].first == "application/problem+json")

            let retry = try await system.placeOrder([("HEADSET-PULSE", 1)], idempotencyKey: "noise-1")
            #expect(retry.status == 201)
            #expect(retry.headers["Idempotent-Replayed"].first == "true")
            #expect(try await system.orders().count == 1)
            #expect(try await system.stock("HEADSET-PULSE") == before - 1)

            // The same key with another body is a different request: refused, nothing stored.
            let reused = try await system.placeOrder([("HEADSET-PULSE", 2)], idempotencyKey: "noise-1")
            #expect(reused.status == 422)
            #expect(try await system.orders().count == 1)
        }
    }

    @Test func theNaiveDesignLosesTrackOfADeductionWhenInventoryAnswers500AfterCommit() async throws {
        // The same fault as above against `--naive`: the order is rejected although the stock is gone,
        // and a retry places a second order. This is what the experiment's naive column measures.
        try await SystemLauncher.with(["--naive", "--error-after-commit-every", "1"]) { system in
            let before = try await system.stock("CONSOLE-XSX")
            let first = try await system.placeOrder([("CONSOLE-XSX", 1)], idempotencyKey: "naive-1")
            #expect(first.status == 502)
            let retry = try await system.placeOrder([("CONSOLE-XSX", 1)], idempotencyKey: "naive-1")
            #expect(retry.status == 502)
            let orders = try await system.orders()
            #expect(orders.count == 2)
            #expect(orders.allSatisfy { $0.status == "rejected" })
            #expect(try await system.stock("CONSOLE-XSX") == before - 2)
        }
    }
}

/// Inventory's fault ledger, as `GET /admin/faults` returns it.
struct FaultLedgerDTO: Decodable {
    struct Count: Decodable, Equatable {
        var kind: String
        var deductions: Int
        var injections: Int
    }

    var deductions: Int
    var faults: [Count]
}
