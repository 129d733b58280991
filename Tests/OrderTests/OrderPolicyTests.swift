import Order
import Testing
import WarehouseKit

@Suite("OrderPolicy")
struct OrderPolicyTests {
    @Test("the defaults: 2 s deadline, 100 ms kept back for the answer")
    func defaults() {
        let policy = OrderPolicy()
        #expect(policy.deadline == .seconds(2))
        #expect(policy.inventoryBudget == .milliseconds(1900))
        #expect(policy.retryBackoff == Backoff(base: .milliseconds(250), cap: .seconds(10)))
    }

    @Test("a short deadline keeps half for inventory rather than nothing")
    func shortDeadline() {
        var policy = OrderPolicy()
        policy.deadline = .milliseconds(150)
        #expect(policy.inventoryBudget == .milliseconds(75))
        policy.deadline = .milliseconds(300)
        #expect(policy.inventoryBudget == .milliseconds(200))
    }

    @Test("NewOrder's fingerprint tells drafts apart and ignores nothing that matters")
    func fingerprint() {
        let same = NewOrder(customerId: "c-42", items: draft.items)
        #expect(same.fingerprint == draft.fingerprint)
        #expect(NewOrder(customerId: "c-43", items: draft.items).fingerprint != draft.fingerprint)
        #expect(NewOrder(customerId: "c-42", items: draft.items.reversed()).fingerprint != draft.fingerprint)
        #expect(
            NewOrder(customerId: "c-42", items: [OrderLine(sku: "CONSOLE-PS5", quantity: 2)]).fingerprint != draft.fingerprint)
    }

    @Test("the delayed messages name the cause and where to follow the order")
    func messages() {
        #expect(
            OrderMessage.delayed(orderId: "o1", because: .slow)
                == "Inventory is responding slowly; your order is saved and will be confirmed shortly. Follow /orders/o1 for its status."
        )
        #expect(OrderMessage.delayed(orderId: "o1", because: .unavailable).hasPrefix("Inventory is unavailable right now;"))
        #expect(InventoryCallError.timeout.unavailability == .slow)
        #expect(InventoryCallError.unavailable("x").unavailability == .unavailable)
    }
}
