import Foundation
import Testing
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// An order inventory cannot answer for longer than `--attention-after-s` (issue 13 item 11), on the
/// real processes: it stays pending, is marked as needing attention in its representation, the
/// console and the metrics, and a replay of its key settles it once inventory is back.
@Suite("Orders needing attention (system)", .timeLimit(.minutes(5)))
struct AttentionSystemTests {
    /// An order as JSON, so that a field the test's `OrderDTO` does not name can be read.
    static func representation(_ url: String) async throws -> [String: Any] {
        let reply = try await SystemLauncher.send(.GET, url)
        return try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
    }

    @Test func anOrderPendingTooLongIsMarkedCountedAndSettledByAReplay() async throws {
        // The default deadline: a shorter one leaves storage too little time in a crowded run (a 503).
        try await SystemLauncher.with(["--attention-after-s", "2"]) { system in
            let inventory = try await system.suspend("inventory")
            var resumed = false
            defer { if !resumed { kill(inventory, SIGCONT) } }

            let placed = try await system.placeOrder(customer: "c-attention", [("PAD-DUALSENSE", 1)], idempotencyKey: "attention-1")
            #expect(placed.status == 202)
            let id = try placed.json(OrderDTO.self).id

            try await eventually("the order is marked as needing attention", timeout: .seconds(120)) {
                try await Self.representation(system.orderURL + "/orders/\(id)")["needsAttention"] as? Bool == true
            }
            let marked = try await Self.representation(system.orderURL + "/orders/\(id)")
            #expect(marked["status"] as? String == "pending", "the status enum is the contract's: still pending")
            #expect((marked["message"] as? String)?.contains("our team is looking into it") == true)
            // The console shows what the order service says.
            #expect(try await Self.representation(system.consoleURL + "/api/orders/\(id)")["needsAttention"] as? Bool == true)
            try await eventually("the metrics count it", timeout: .seconds(120)) {
                let metrics = String(decoding: try await system.request(.GET, system.orderURL + "/metrics").body, as: UTF8.self)
                return metrics.contains("orders_needing_attention 1") && metrics.contains("orders_marked_needing_attention_total 1")
            }

            // A person's retry, once inventory is back: the replay of its key settles it.
            kill(inventory, SIGCONT)
            resumed = true
            try await eventually("a replay of the key settles the order", timeout: .seconds(120)) {
                let replay = try await system.placeOrder(
                    customer: "c-attention", [("PAD-DUALSENSE", 1)], idempotencyKey: "attention-1")
                return replay.status != 202
            }
            let settled = try await Self.representation(system.orderURL + "/orders/\(id)")
            #expect(settled["status"] as? String == "shipped")
            #expect(settled["needsAttention"] == nil)
        }
    }
}
