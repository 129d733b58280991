import Foundation
import Hummingbird
import InventoryAPI
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import WarehouseKit

/// Settings of one inventory process.
package struct InventoryConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8081
    /// The SQLite file, `DIR/inventory.sqlite` under `warehouse up`.
    package var databasePath: String
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

    package init(databasePath: String, adminToken: AdminToken) {
        self.databasePath = databasePath
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
    package let logger: Logger

    package init(
        configuration: InventoryConfiguration,
        repository: any InventoryRepository,
        health: HealthMonitor,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.repository = repository
        self.health = health
        self.registry = registry
        self.chaos = ChaosControl(configuration.chaos, registry: registry)
        self.logger = logger
    }

    /// Opens (and migrates) the SQLite database named in `configuration` and wires the service to it.
    package static func live(configuration: InventoryConfiguration, logger: Logger) async throws -> InventoryService {
        let pool = try SQLiteStore.open(path: configuration.databasePath, durability: configuration.durability)
        let database = try InventoryDatabase(pool)
        if configuration.seedDemoCatalogue {
            try await database.seedDemoCatalogueIfNew()
        }
        let health = HealthMonitor(
            serviceId: "inventory",
            indicators: [
                try DatabaseHealthIndicator(
                    service: "inventory",
                    path: configuration.databasePath,
                    probe: "SELECT 1 FROM products LIMIT 1"
                )
            ],
            timeout: configuration.healthTimeout
        )
        return InventoryService(configuration: configuration, repository: database, health: health, logger: logger)
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: "inventory",
            health: health,
            openAPIDocument: InventoryAPIDocument.load(),
            registry: registry
        )
        return try builder.makeRouter { routes in
            let handler = InventoryAPIHandler(repository: repository, chaos: chaos, naive: configuration.naive, logger: logger)
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
            logger: logger
        )
    }
}
