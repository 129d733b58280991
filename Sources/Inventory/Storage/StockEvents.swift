import Foundation
import GRDB
import WarehouseKit

/// The events the inventory service publishes, each written in the transaction of the stock change it
/// describes. `data` is the product as the API shows it (`GET /products/{sku}`).
enum StockEvents {
    /// The CloudEvents `source` of the stock feed.
    static let source = "/warehouse/inventory"

    /// `stock.changed` for `product`, and `stock.depleted` too when its stock has just reached 0.
    static func changed(_ product: Product, depleted: Bool, at time: Date) -> [OutboxEvent] {
        let data = representation(of: product)
        let changed = OutboxEvent(type: EventType.stockChanged, subject: product.sku, time: time, data: data)
        guard depleted else { return [changed] }
        return [changed, OutboxEvent(type: EventType.stockDepleted, subject: product.sku, time: time, data: data)]
    }

    static func representation(of product: Product) -> String {
        #"{"name":"# + JSONText.string(product.name) + #","sku":"# + JSONText.string(product.sku) + #","stock":"#
            + String(product.stock) + "}"
    }

    /// Appends the events of one product's change to the outbox, in the caller's transaction.
    static func append(_ product: Product, depleted: Bool, at time: Date, in db: Database) throws {
        for event in changed(product, depleted: depleted, at: time) { try SQLiteEventStore.append(event, in: db) }
    }
}
