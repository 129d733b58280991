import Foundation

extension Duration {
    /// The duration in seconds, for `Date` arithmetic.
    package var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
