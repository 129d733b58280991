import Synchronization

/// What inventory said about itself while answering one order's call, beside the answer: so far only
/// that the gremlin held the answer back on purpose (`X-Gremlin-Delay`). The order service passes it
/// on to its own client, so a load generator can tell delayed orders from slow ones.
///
/// Set for the duration of one request with `InventorySignals.$current.withValue(...)`; the inventory
/// client writes into it from whatever task makes the call (task locals follow into child tasks).
package final class InventorySignals: Sendable {
    @TaskLocal package static var current: InventorySignals?

    private let delay = Mutex<Int?>(nil)

    package init() {}

    /// The longest delay inventory announced, in milliseconds.
    package var gremlinDelayMilliseconds: Int? { delay.withLock { $0 } }

    package func noteGremlinDelay(_ header: String?) {
        guard let milliseconds = header.flatMap(Int.init) else { return }
        delay.withLock { $0 = max($0 ?? 0, milliseconds) }
    }
}
