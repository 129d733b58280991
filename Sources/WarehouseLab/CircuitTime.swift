import Foundation
import WarehouseKit

/// How long a service's circuit breaker was open in a run, read back from the system's log: from the
/// line each change of state writes (`LogMessage.circuitChanged`) and the supervisor's restarts of the
/// service (`LogMessage.childStarted`: a new process starts with its circuit closed). Read from the log
/// because the service itself forgets when it is killed.
package struct CircuitTime: Sendable, Codable, Equatable {
    /// Times the circuit opened from closed.
    package var openings = 0
    /// Time it spent open or half-open (refusing all calls but its probes), in seconds.
    package var openSeconds = 0.0

    package init(openings: Int = 0, openSeconds: Double = 0) {
        self.openings = openings
        self.openSeconds = openSeconds
    }

    /// Reads the log of a run that ended at `end` (an interval still open then ends there).
    package static func read(log: URL, service: String, dependency: String, until end: Date) throws -> CircuitTime {
        let text = try String(contentsOf: log, encoding: .utf8)
        return measure(lines: text.split(separator: "\n"), service: service, dependency: dependency, until: end)
    }

    package static func measure(
        lines: some Sequence<Substring>,
        service: String,
        dependency: String,
        until end: Date
    ) -> CircuitTime {
        let changed = LogMessage.circuitChanged(dependency: dependency)
        var time = CircuitTime()
        var openSince: Date?
        func close(at date: Date) {
            if let since = openSince { time.openSeconds += max(0, date.timeIntervalSince(since)) }
            openSince = nil
        }
        for line in lines where line.contains(changed) || line.contains(LogMessage.childStarted) {
            guard let fields = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let message = fields["message"] as? String,
                let date = (fields["time"] as? String).flatMap(Self.date)
            else { continue }
            if message == LogMessage.childStarted, fields["child"] as? String == service {
                close(at: date)
            } else if message == changed, fields["label"] as? String == service, let state = fields["circuit"] as? String {
                if state.hasPrefix("open") {
                    if openSince == nil {
                        openSince = date
                        time.openings += 1
                    }
                } else if state == "closed" {
                    close(at: date)
                }
            }
        }
        close(at: end)
        return time
    }

    /// `2026-12-02T13:55:29.123Z`, as `UTCTimestamp.iso8601` writes it.
    private static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
