import Foundation
import Hummingbird
import InventoryAPI
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle
import WarehouseKit

/// Settings of one inventory process.
package struct InventoryConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8081
    /// Where stock and deductions are kept: `sqlite:///DIR/inventory.sqlite` unless `--database-url`
    /// says otherwise.
    package var databaseURL: DatabaseURL
    package var durability: Durability = .full
    /// Add the demo catalogue when the database is new.
    package var seedDemoCatalogue = false
    package var adminToken: AdminToken
    package var bodyLimit = RequestBodyMiddleware.defaultLimit
    /// Chaos in force at start (all off by default); the admin endpoint changes it at run time.
    package var chaos = ChaosSettings.off
    /// The design this one replaces, for experiments only: deductions without a record of their key.
    package var naive = false
    /// How long the database check of `/health` may take before it fails.
    package var healthTimeout = HealthMonitor.defaultTimeout
    /// How long stock events are kept in the feed (`--event-retention-h`); a reader further behind gets 410.
    package var eventRetention: Duration = .seconds(168 * 3600)

    package init(databaseURL: DatabaseURL, adminToken: AdminToken) {
        self.databaseURL = databaseURL
        self.adminToken = adminToken
    }
}

/// The inventory service: stock levels and exactly-once deductions, over HTTP.
package struct InventoryService: Sendable {
    package let configuration: InventoryConfiguration
    package let repository: any InventoryRepository
    package let health: HealthMonitor
    package let registry: PrometheusCollectorRegistry
    package let chaos: ChaosControl
    /// Lifecycle services that run beside the HTTP server (its storage's, the feed's pruner).
    package let services: [any Service]
    /// The stock events, served at `GET /events`.
    package let feed: EventFeed?
    package let logger: Logger

    package init(
        configuration: InventoryConfiguration,
        repository: any InventoryRepository,
        health: HealthMonitor,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        services: [any Service] = [],
        feed: EventFeed? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.repository = repository
        self.health = health
        self.registry = registry
        self.services = services
        self.feed = feed
        self.chaos = ChaosControl(configuration.chaos, registry: registry)
        self.logger = logger
    }

    /// Opens (and migrates) the database named in `configuration`, seeds the demo catalogue when asked
    /// and the database is new, and wires the service to it.
    package static func live(configuration: InventoryConfiguration, logger: Logger) async throws -> InventoryService {
        let storage = try await InventoryStorage.open(configuration.databaseURL, durability: configuration.durability, logger: logger)
        if configuration.seedDemoCatalogue, try await storage.repository.seedOnce(DemoCatalogue.products) {
            logger.info("demo catalogue added", metadata: ["products": "\(DemoCatalogue.products.count)"])
        }
        let health = HealthMonitor(serviceId: "inventory", indicators: [storage.health], timeout: configuration.healthTimeout)
        let pruner = storage.feed.map { $0.pruner(retention: configuration.eventRetention, logger: logger) as any Service }
        return InventoryService(
            configuration: configuration, repository: storage.repository, health: health,
            services: storage.services + (pruner.map { [$0] } ?? []), feed: storage.feed, logger: logger)
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: "inventory",
            health: health,
            openAPIDocument: InventoryAPIDocument.load(),
            registry: registry
        )
        return try builder.makeRouter { routes in
            if let feed { EventFeedRoute.register(feed, on: routes) }
            // The naive design only for the comparison (`--naive`); the handler does not know which it has.
            let deduction: any StockDeduction =
                configuration.naive ? NaiveDeduction(repository: repository) : RecordedDeduction(repository: repository)
            let handler = InventoryAPIHandler(repository: repository, deduction: deduction, chaos: chaos, logger: logger)
            try handler.registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AdminAuthMiddleware(token: configuration.adminToken, operations: ["putProduct", "getChaos", "putChaos", "getFaults"]),
                    RequestBodyMiddleware(limit: configuration.bodyLimit, schemas: InventoryBodySchemas.byOperation),
                ]
            )
        }
    }

    package func makeApplication() throws -> some ApplicationProtocol {
        Application(
            router: try makeRouter(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "warehouse-inventory"),
            services: services,
            logger: logger
        )
    }
}
