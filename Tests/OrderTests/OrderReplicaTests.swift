import Foundation
import Order
import Testing
import WarehouseKit
import WarehouseTestSupport

/// Two order processes on one PostgreSQL database, each with its own pool and its own replica id, as
/// two replicas are: what one SQLite writer gave for free must come from the database here.
@Suite(
    "Order replicas on one PostgreSQL database", .timeLimit(.minutes(3)),
    .enabled(if: TestPostgres.isAvailable, "\(TestPostgres.unavailableReason ?? "")"))
struct OrderReplicaTests {
    /// Whole seconds, so dates survive storage exactly.
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    /// Two replicas' storage of one fresh order schema.
    static func withReplicas(_ body: (Storage<any OrderRepository>, Storage<any OrderRepository>) async throws -> Void) async throws {
        try await StorageBackend.postgres.withReplicas(named: "orders", open: { try await OrderStorage.open($0) }, body)
    }

    static func pending(_ id: String, createdAt: Date) -> Order {
        Order(
            id: id, customerId: "c-42", items: draft.items, status: .pending, message: OrderMessage.awaitingInventory,
            createdAt: createdAt, updatedAt: createdAt)
    }

    @Test("the reconciler's due orders are leased: two replicas never take the same one, and a lapsed lease frees it")
    func dueOrdersAreLeased() async throws {
        try await Self.withReplicas { first, second in
            for index in 0..<10 {
                _ = try await first.repository.insert(
                    Self.pending("o\(index)", createdAt: Self.base.addingTimeInterval(Double(index))), idempotencyKey: nil,
                    fingerprint: nil, retryAt: Self.base)
            }
            let now = Self.base.addingTimeInterval(60)
            let mine = try await first.repository.duePending(asOf: now, limit: 6).map(\.order.id)
            let theirs = try await second.repository.duePending(asOf: now, limit: 10).map(\.order.id)
            #expect(mine == (0..<6).map { "o\($0)" })
            #expect(theirs == (6..<10).map { "o\($0)" }, "the second replica takes only what the first has not")
            // A replica's own leases stay its own: asked again, it gets its orders back, the other none.
            #expect(try await first.repository.duePending(asOf: now, limit: 10).map(\.order.id) == mine)
            #expect(try await second.repository.duePending(asOf: now, limit: 10).map(\.order.id) == theirs)

            // Settled or postponed, an order leaves its lease behind.
            _ = try await first.repository.settle(Self.pending("o0", createdAt: Self.base), .shipped, at: now)
            try await first.repository.postpone(id: "o1", message: "later", triedAt: now, retryAt: now)
            #expect(try await second.repository.duePending(asOf: now, limit: 10).map(\.order.id) == ["o1"] + theirs)

            // The first replica died: once its leases lapse (15 s), the second takes its orders.
            let lapsed = now.addingTimeInterval(16)
            #expect(try await second.repository.duePending(asOf: lapsed, limit: 10).map(\.order.id) == (1..<10).map { "o\($0)" })
        }
    }

    @Test("replicas reconciling at once share the due orders without overlap")
    func concurrentLeasesAreDisjoint() async throws {
        try await Self.withReplicas { first, second in
            for index in 0..<60 {
                _ = try await first.repository.insert(
                    Self.pending("o\(index)", createdAt: Self.base.addingTimeInterval(Double(index))), idempotencyKey: nil,
                    fingerprint: nil, retryAt: Self.base)
            }
            let now = Self.base.addingTimeInterval(600)
            let taken = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for round in 0..<12 {
                    let replica = round % 2
                    group.addTask {
                        (replica, try await [first, second][replica].repository.duePending(asOf: now, limit: 5).map(\.order.id))
                    }
                }
                return try await group.reduce(into: [Set<String>(), Set<String>()]) { $0[$1.0].formUnion($1.1) }
            }
            // A replica may be handed its own leases again; no order is ever handed to both.
            #expect(taken[0].isDisjoint(with: taken[1]), "\(taken[0].intersection(taken[1]))")
            #expect(!taken[0].isEmpty && !taken[1].isEmpty)
        }
    }

    @Test("one Idempotency-Key inserted by both replicas at once makes one order")
    func oneKeyOneOrder() async throws {
        try await Self.withReplicas { first, second in
            for round in 0..<20 {
                let key = "key-\(round)"
                async let a = first.repository.insert(
                    Self.pending("a\(round)", createdAt: Self.base), idempotencyKey: key, fingerprint: "f", retryAt: Self.base)
                async let b = second.repository.insert(
                    Self.pending("b\(round)", createdAt: Self.base), idempotencyKey: key, fingerprint: "f", retryAt: Self.base)
                let (one, other) = try await (a, b)
                #expect([one.inserted, other.inserted].filter { $0 }.count == 1, "\(key)")
                #expect(one.order.id == other.order.id)
            }
            #expect(try await first.repository.orders(status: nil, limit: 100).count == 20)
        }
    }

    @Test("the feed stays gap-free while both replicas write: a reader never skips an event that commits late")
    func feedIsGapFreeUnderConcurrentWriters() async throws {
        try await Self.withReplicas { first, second in
            let total = 300
            let reader = try #require(first.feed).store
            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<total {
                        let replica = index.isMultiple(of: 2) ? first : second
                        group.addTask {
                            _ = try await replica.repository.insert(
                                Self.pending("o\(index)", createdAt: Self.base), idempotencyKey: nil, fingerprint: nil,
                                retryAt: Self.base)
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // Reads as the writes commit: each read must continue exactly where the last one ended. A
            // position a reader skipped (one that committed after a later one was read) never comes back.
            var seen: [Int64] = []
            var after: Int64 = 0
            while seen.count < total {
                guard case .events(let events, _, _) = try await reader.read(after: after, limit: 50) else {
                    Issue.record("the feed moved away from position \(after)")
                    break
                }
                seen += events.map(\.position)
                after = events.last?.position ?? after
                if events.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await writers.value
            #expect(seen == Array(1...Int64(total)))
            guard case .events(let all, _, _) = try await reader.read(after: 0, limit: 500) else { throw FeedError.moved }
            #expect(Set(all.map(\.subject)).count == total)
        }
    }
}

private enum FeedError: Error { case moved }
