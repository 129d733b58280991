import Foundation

/// An event as a publisher writes it, inside the transaction of the change it describes. The feed adds
/// the rest of the CloudEvents envelope (`specversion`, `source`, `datacontenttype`) and its `position`.
package struct OutboxEvent: Sendable, Equatable {
    /// Unique per event (`source` + `id` identify it, as CloudEvents requires).
    package var id: String
    /// One of `EventType`.
    package var type: String
    /// What the event is about: an order id, a SKU.
    package var subject: String
    package var time: Date
    /// The `data` member, already JSON: the resource as the publisher's API shows it.
    package var data: String

    package init(id: String = UUIDText.random(), type: String, subject: String, time: Date, data: String) {
        self.id = id
        self.type = type
        self.subject = subject
        self.time = time
        self.data = data
    }
}
