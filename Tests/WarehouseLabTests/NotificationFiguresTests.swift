import Testing
import WarehouseLab

/// The notification invariant, as the chaos experiment and the load check it.
@Suite("Notification figures")
struct NotificationFiguresTests {
    let shipped = Transition(orderId: "o-1", kind: "shipped")
    let delayed = Transition(orderId: "o-2", kind: "delayed")
    let rejected = Transition(orderId: "o-2", kind: "rejected")

    func order(_ id: String, _ status: String) -> Contract.Order {
        Contract.Order(id: id, customerId: "c", items: [], status: status, message: "", reason: nil)
    }

    @Test("one notification per transition: nothing to report")
    func exact() {
        let figures = NotificationFigures.evaluate(
            transitions: [shipped, delayed, rejected], notifications: [delayed, shipped, rejected],
            orders: [order("o-1", "shipped"), order("o-2", "rejected"), order("o-3", "pending")])
        #expect(figures.transitions == 3 && figures.notifications == 3)
        #expect(figures.violations.isEmpty)
    }

    @Test("missing, duplicated and unexpected notifications are counted apart")
    func broken() {
        let figures = NotificationFigures.evaluate(
            transitions: [shipped, delayed], notifications: [shipped, shipped, shipped, rejected])
        #expect(figures.missing == 1)
        #expect(figures.duplicated == 2)
        #expect(figures.unexpected == 1)
        #expect(figures.violations.count == 3)
    }

    @Test("a final order whose transition the feed lacks is an outbox that missed a change")
    func finalWithoutEvent() {
        let figures = NotificationFigures.evaluate(
            transitions: [shipped], notifications: [shipped], orders: [order("o-1", "shipped"), order("o-9", "rejected")])
        #expect(figures.finalOrdersWithoutEvent == 1)
        #expect(figures.violations == ["1 final orders without their event"])
    }
}
