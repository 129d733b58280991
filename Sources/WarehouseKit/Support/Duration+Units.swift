import Foundation

extension Duration {
    /// In seconds, as `Date` and `TimeInterval` want them.
    package var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// In milliseconds, to the microsecond: as reports, health checks and logs show them.
    package var milliseconds: Double {
        let (seconds, attoseconds) = components
        return (Double(seconds) * 1_000 + Double(attoseconds) / 1e15).rounded(toPlaces: 3)
    }
}

extension Double {
    /// Rounded to `places` decimal places, as answers show milliseconds.
    package func rounded(toPlaces places: Int) -> Double {
        let scale = Foundation.pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
