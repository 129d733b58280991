import ServiceLifecycle

/// A service's opened database, whatever the backend: the repository the service works with, the
/// check of it that `/health` runs, and what must run beside the server while it is open (a
/// connection pool, say).
///
/// Each service opens its own through its storage (`OrderStorage.open(_:)`), which picks the backend
/// by `DatabaseURL`, migrates it and checks it the way that backend needs.
package struct Storage<Repository: Sendable>: Sendable {
    package let repository: Repository
    /// Exercises the database for real (a query on the service's own tables, the write lock).
    package let health: any HealthIndicator
    package let services: [any Service]

    package init(repository: Repository, health: any HealthIndicator, services: [any Service] = []) {
        self.repository = repository
        self.health = health
        self.services = services
    }
}
