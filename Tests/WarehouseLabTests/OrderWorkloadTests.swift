import Testing
import WarehouseLab

struct OrderWorkloadTests {
    @Test func theSameSeedGivesTheSameWorkload() {
        let first = OrderWorkload(seed: 42, orders: 300)
        let second = OrderWorkload(seed: 42, orders: 300)
        #expect(first.orders == second.orders)
        #expect(first.catalogue == second.catalogue)
        #expect(OrderWorkload(seed: 43, orders: 300).orders != first.orders)
    }

    @Test func someSKUsRunOutAndEveryOrderIsValid() {
        let workload = OrderWorkload(seed: 7, orders: 2000)
        var demand: [String: Int] = [:]
        for order in workload.orders {
            #expect((1...3).contains(order.lines.count))
            #expect(Set(order.lines.map(\.sku)).count == order.lines.count)
            for line in order.lines { demand[line.sku, default: 0] += line.quantity }
        }
        let scarce = workload.catalogue.filter { demand[$0.sku, default: 0] > $0.stock }
        #expect(scarce.count >= 2, "some SKUs must run out")
        #expect(Set(workload.orders.map(\.idempotencyKey)).count == workload.orders.count)
    }
}
