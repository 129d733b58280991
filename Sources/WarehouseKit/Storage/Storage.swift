import ServiceLifecycle

/// A service's opened database, whatever the backend: the repository the service works with, the
/// check of it that `/health` runs, what must run beside the server while it is open (a connection
/// pool, say), and the feed of the events its changes write, when the service publishes any.
///
/// Each service opens its own through its storage (`OrderStorage.open(_:)`), which picks the backend
/// by `DatabaseURL`, migrates it and checks it the way that backend needs.
package struct Storage<Repository: Sendable>: Sendable {
    package let repository: Repository
    /// Exercises the database for real (a query on the service's own tables, the write lock).
    package let health: any HealthIndicator
    package let services: [any Service]
    /// The events the repository's transactions write (its outbox), served at `GET /events`.
    package let feed: EventFeed?
    /// Releases what the storage holds (a pool's connections) when it is used without its `services`
    /// being run, as tests do.
    package let close: @Sendable () async -> Void

    package init(
        repository: Repository, health: any HealthIndicator, services: [any Service] = [], feed: EventFeed? = nil,
        close: @escaping @Sendable () async -> Void = {}
    ) {
        self.repository = repository
        self.health = health
        self.services = services
        self.feed = feed
        self.close = close
    }
}
