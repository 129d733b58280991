/// The settings of a service that publishes events (order, inventory): declared once, listed by each.
package enum EventSettings {
    package static let retention = Setting<Int>(
        "event-retention-h", group: "Events (order and inventory)", default: 168, rule: .within(1...24 * 3650),
        help: "Hours a publisher keeps its events in its feed (GET /events); a reader further behind gets 410.")
}

extension Settings {
    /// How long a publisher keeps its events.
    package var eventRetention: Duration { .seconds(self[EventSettings.retention] * 3600) }
}
