/// The CloudEvents `type`s this platform publishes. Each publisher's OpenAPI document lists its own;
/// a consumer matches on these strings, never on a publisher's library.
package enum EventType {
    /// An order was stored, `pending`, before anything downstream was asked.
    package static let orderPlaced = "com.valerix.order.placed"
    /// Inventory deducted the order's stock: the order is `shipped`.
    package static let orderShipped = "com.valerix.order.shipped"
    /// Inventory refused the order: it is `rejected`, and `data.reason` names the SKU.
    package static let orderRejected = "com.valerix.order.rejected"
    /// The order is still `pending` after its first try: inventory gave no definite answer in time.
    package static let orderDelayed = "com.valerix.order.delayed"
    /// A product's stock changed (a deduction, a restock, a new product).
    package static let stockChanged = "com.valerix.stock.changed"
    /// A product's stock reached 0.
    package static let stockDepleted = "com.valerix.stock.depleted"

    package static let order = [orderPlaced, orderShipped, orderRejected, orderDelayed]
    package static let stock = [stockChanged, stockDepleted]
}
