import Foundation
import HTTPTypes
import HummingbirdTesting
import Inventory
import NIOCore
import Testing
import WarehouseKit
import WarehouseTestSupport

/// A fresh inventory database of `backend`, opened the way the service opens it.
private func withDatabase(_ backend: StorageBackend, _ body: (any InventoryRepository) async throws -> Void) async throws {
    try await backend.withStorage(named: "inventory", open: { try await InventoryStorage.open($0) }) { try await body($0.repository) }
}

/// The fault ledger: every fault chaos injects is written in the transaction of the deduction it
/// strikes, and read back by kind at `GET /admin/faults`. The storage tests run on every backend.
@Suite("Fault ledger", .timeLimit(.minutes(3)))
struct FaultLedgerTests {
    let line = [StockLine(sku: "A", quantity: 1)]

    func count(_ deductions: Int, _ injections: Int) -> FaultLedger.Count {
        FaultLedger.Count(deductions: deductions, injections: injections)
    }

    @Test(
        "a call records the faults that strike it: the gremlin every time, crash and 500 on the first commit only",
        arguments: StorageBackend.available)
    func recordsWhatStrikes(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let plan = FaultPlan(everyCall: [.gremlinDelay], firstCommit: [.crashAfterCommit])
            #expect(try await database.deduct(key: "k1", lines: line, faults: plan).replayed == false)
            #expect(try await database.deduct(key: "k1", lines: line, faults: plan).replayed == true)
            _ = try await database.deduct(key: "k2", lines: line, faults: FaultPlan(everyCall: [], firstCommit: [.errorAfterCommit]))
            _ = try await database.deduct(key: "k3", lines: line)

            let ledger = try await database.faultLedger()
            #expect(ledger.deductions == 3)
            #expect(ledger.faults[.gremlinDelay] == count(1, 2))
            #expect(ledger.faults[.crashAfterCommit] == count(1, 1))
            #expect(ledger.faults[.errorAfterCommit] == count(1, 1))
        }
    }

    @Test("a call that fails records nothing, and every kind is listed even when it never struck", arguments: StorageBackend.available)
    func failedCallsRecordNothing(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            _ = try await database.deduct(key: "k1", lines: line)
            await #expect(throws: InventoryError.keyReused(key: "k1")) {
                try await database.deduct(
                    key: "k1", lines: [StockLine(sku: "A", quantity: 2)], faults: FaultPlan(everyCall: [.gremlinDelay], firstCommit: []))
            }
            let ledger = try await database.faultLedger()
            #expect(ledger == FaultLedger(deductions: 1, faults: [:]))
            #expect(ledger.faults.count == FaultKind.allCases.count)
        }
    }

    @Test("the ledger survives opening the database again, as it must survive the crash it records", arguments: StorageBackend.available)
    func survivesReopening(_ backend: StorageBackend) async throws {
        try await backend.withFreshDatabase(named: "inventory") { url in
            do {
                let database = try await InventoryStorage.open(url).repository
                _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
                _ = try await database.deduct(key: "k1", lines: line, faults: FaultPlan(everyCall: [], firstCommit: [.crashAfterCommit]))
            }
            let reopened = try await InventoryStorage.open(url).repository
            #expect(try await reopened.faultLedger().faults[.crashAfterCommit] == count(1, 1))
        }
    }

    @Test("the naive path has no record of its keys but counts its calls and their faults", arguments: StorageBackend.available)
    func naiveCalls(_ backend: StorageBackend) async throws {
        try await withDatabase(backend) { database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 1))
            let naive = NaiveDeduction(repository: database)
            #expect(try await naive.deductOutcome(key: "n1", lines: line, faults: [.errorAfterCommit]) == .applied)
            // Refused (out of stock), yet counted: the fault strikes after the commit either way.
            let refused = try await naive.deductOutcome(key: "n2", lines: line, faults: [.crashAfterCommit])
            #expect(refused != .applied)
            #expect(try await database.deduction(key: "n1") == nil)
            let ledger = try await database.faultLedger()
            #expect(ledger.deductions == 2)
            #expect(ledger.faults[.errorAfterCommit] == count(1, 1))
            #expect(ledger.faults[.crashAfterCommit] == count(1, 1))
        }
    }

    @Test("a key chosen for both the crash and the 500 gets the crash only")
    func crashWinsOverError() {
        let decision = ChaosDecision(delay: .seconds(1), placement: .afterCommit, crashAfterCommit: true, errorAfterCommit: true)
        #expect(decision.faults == FaultPlan(everyCall: [.gremlinDelay], firstCommit: [.crashAfterCommit]))
        #expect(decision.faults.kinds(replayed: true) == [.gremlinDelay])
        #expect(ChaosDecision.none.faults == .none)
    }

    @Test("GET /admin/faults: 401 without the admin token")
    func needsTheToken() async throws {
        try await withInventoryService { client, _ in
            let response = try await client.execute(uri: "/admin/faults", method: .get)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("GET /admin/faults counts a 500 after commit once, though the key is replayed after it")
    func countsInjectedErrors() async throws {
        try await withInventoryService { client, database in
            _ = try await database.upsert(Product(sku: "A", name: "Apple", stock: 10))
            let chaos = ByteBuffer(json: #"{"errorAfterCommit": {"every": 1}, "gremlin": {"select": {"every": 2}, "delayMs": 0}}"#)
            #expect(try await client.execute(uri: "/admin/chaos", method: .put, headers: .admin, body: chaos).status == .ok)
            let body = ByteBuffer(json: #"{"items": [{"sku": "A", "quantity": 1}]}"#)
            #expect(try await client.execute(uri: "/deductions/k1", method: .put, headers: .json, body: body).status == .internalServerError)
            #expect(try await client.execute(uri: "/deductions/k1", method: .put, headers: .json, body: body).status == .ok)
            // The second key is every 2nd: the gremlin holds back its answer, and the 500 strikes too.
            #expect(try await client.execute(uri: "/deductions/k2", method: .put, headers: .json, body: body).status == .internalServerError)

            let response = try await client.execute(uri: "/admin/faults", method: .get, headers: .admin)
            #expect(response.status == .ok)
            let ledger = try response.decode(LedgerBody.self)
            #expect(ledger.deductions == 2)
            #expect(ledger.faults == [
                .init(kind: "gremlin-delay", deductions: 1, injections: 1),
                .init(kind: "crash-after-commit", deductions: 0, injections: 0),
                .init(kind: "error-after-commit", deductions: 2, injections: 2),
            ])
        }
    }
}

/// The fault ledger as the API returns it.
struct LedgerBody: Decodable, Equatable {
    struct Count: Decodable, Equatable {
        var kind: String
        var deductions: Int
        var injections: Int
    }

    var deductions: Int
    var faults: [Count]
}
