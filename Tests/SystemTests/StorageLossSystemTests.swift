import Foundation
import Synchronization
import Testing
import WarehouseLab

#if canImport(Glibc)
    import Glibc
#endif

/// What an operator's mistake under a running service can cost: nothing that was acknowledged.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct StorageLossSystemTests {
    /// One placed order, as the shopper saw it.
    struct Attempt: Sendable {
        var key: String
        /// Whether the request was sent after the database file was gone.
        var sentAfterDeletion: Bool
        var status: Int
        var id: String?
        var problemTitle: String?
    }

    /// The order database file is deleted (`rm orders.sqlite*`) while shoppers place orders. The service
    /// still holds the unlinked file open and could go on writing to it; whatever it acknowledged there
    /// would be gone when it restarts on a new file. So every order sent after the deletion is either
    /// refused (503, nothing promised) or still there after the restart.
    @Test func noOrderAcknowledgedAfterItsDatabaseFileIsDeletedIsLost() async throws {
        try await SystemLauncher.with { system in
            let files = ["", "-wal", "-shm"].map { system.dataDirectory.appendingPathComponent("orders.sqlite\($0)").path }
            let deleted = Atomic(false)
            let sentAfter = Atomic(0)
            let shoppers = Task {
                var attempts: [Attempt] = []
                var index = 0
                // Until ten orders went out after the deletion (at most 400 in all, should nothing happen).
                while sentAfter.load(ordering: .sequentiallyConsistent) < 10, index < 400 {
                    let after = deleted.load(ordering: .sequentiallyConsistent)
                    if after { sentAfter.add(1, ordering: .sequentiallyConsistent) }
                    let key = "file-gone-\(index)"
                    index += 1
                    let reply = try await system.placeOrder(customer: "c-file", [("CABLE-HDMI21", 1)], idempotencyKey: key)
                    let body = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
                    attempts.append(
                        Attempt(
                            key: key, sentAfterDeletion: after, status: reply.status, id: body?["id"] as? String,
                            problemTitle: body?["title"] as? String))
                }
                return attempts
            }
            try await eventually("some orders were placed before the file went", timeout: .seconds(60)) {
                (try? await system.orders().count) ?? 0 >= 5
            }
            for file in files { unlink(file) }
            deleted.store(true, ordering: .sequentiallyConsistent)
            let attempts = try await shoppers.value
            let afterwards = attempts.filter(\.sentAfterDeletion)
            #expect(afterwards.count >= 10)

            // What the shoppers were told: no promise, and why.
            let acknowledged = afterwards.filter { (200..<500).contains($0.status) }
            let refused = afterwards.filter { $0.status == 503 }
            #expect(acknowledged.count + refused.count == afterwards.count, "\(afterwards.map(\.status))")
            for attempt in refused { #expect(attempt.problemTitle == "Storage unavailable") }
            #expect(try await system.health(system.orderURL + "/health").status == 503)

            // The operator restarts the service, which opens a new database at the path.
            try await system.killAndAwaitRestart("order")
            for attempt in acknowledged {
                let id = try #require(attempt.id)
                let found = try await system.request(.GET, system.orderURL + "/orders/\(id)")
                #expect(found.status == 200, "order \(id), acknowledged \(attempt.status) after the file was deleted, is lost")
            }
            // A refused shopper sends the same order again, and it is kept this time.
            let again = try #require(refused.first)
            let placed = try await system.placeOrder(customer: "c-file", [("CABLE-HDMI21", 1)], idempotencyKey: again.key)
            #expect(placed.status == 201)
            let id = try placed.json(OrderDTO.self).id
            try await system.killAndAwaitRestart("order")
            #expect(try await system.order(id).status == "shipped")
        }
    }
}
