import WarehouseKit

/// A seeded set of orders over a small catalogue, some of whose SKUs run out: the same seed gives the
/// same catalogue, orders, customers and idempotency keys on every run.
package struct OrderWorkload: Sendable {
    package struct Item: Sendable, Equatable {
        package var sku: String
        package var stock: Int
    }

    package struct PlannedOrder: Sendable, Equatable {
        /// 1-based position in the workload.
        package var number: Int
        /// One customer per order, so orders per customer counts orders per purchase.
        package var customerId: String
        package var idempotencyKey: String
        package var lines: [Contract.Line]
    }

    package let seed: UInt64
    package let catalogue: [Item]
    package let orders: [PlannedOrder]

    /// `orders` orders of 1 to 3 lines (quantity 1 to 3) over eight SKUs: four stocked for the whole run,
    /// four scarce enough to run out about halfway.
    package init(seed: UInt64, orders count: Int) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        let expectedUnitsPerSKU = max(1, count * 2 * 2 / 8)
        catalogue = (1...8).map { index in
            Item(sku: "LAB-\(index)", stock: index <= 4 ? expectedUnitsPerSKU * 4 : expectedUnitsPerSKU / 2)
        }
        let skus = catalogue.map(\.sku)
        orders = (1...max(1, count)).map { number in
            let lineCount = Int.random(in: 1...3, using: &random)
            let picked = skus.shuffled(using: &random).prefix(lineCount)
            return PlannedOrder(
                number: number,
                customerId: "lab-\(seed)-\(number)",
                idempotencyKey: "lab-\(seed)-\(number)",
                lines: picked.map { Contract.Line(sku: $0, quantity: Int.random(in: 1...3, using: &random)) }
            )
        }
    }
}
