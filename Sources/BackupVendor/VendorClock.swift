import Foundation
import Synchronization

/// The vendor's clock: the system clock, shifted when a test sets it (`PUT /admin/clock`). It runs on
/// from the moment it was set, so a test sets it to 23:59:59 and the next UTC day comes by itself.
package final class VendorClock: Sendable {
    package let settable: Bool
    private let offset = Mutex<TimeInterval>(0)

    package init(settable: Bool) {
        self.settable = settable
    }

    package func now() -> Date {
        Date().addingTimeInterval(offset.withLock { $0 })
    }

    /// Sets the clock to `date`; refused unless the vendor was started with a settable clock.
    package func set(to date: Date) throws(VendorError) {
        guard settable else { throw .clockNotSettable }
        offset.withLock { $0 = date.timeIntervalSince(Date()) }
    }
}
