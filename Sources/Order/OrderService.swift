import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import OrderAPI
import Prometheus
import ServiceLifecycle
import WarehouseKit

/// Settings of one order process.
package struct OrderConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    /// The SQLite file, `DIR/orders.sqlite` under `warehouse up`.
    package var databasePath: String
    package var durability: Durability = .full
    package var inventoryURL: URL
    package var policy = OrderPolicy()
    package var callPolicy = InventoryCallPolicy()
    /// Guards the admin endpoints; without one they refuse every call.
    package var adminToken: AdminToken?
    /// Chaos at start: answer 500 to these new orders after storing them (off by default).
    package var errorAfterStore = ChaosSelector.none
    package var bodyLimit = RequestBodyMiddleware.defaultLimit

    package init(databasePath: String, inventoryURL: URL) {
        self.databasePath = databasePath
        self.inventoryURL = inventoryURL
    }
}

/// The order service: takes orders, stores them, and has inventory deduct their stock.
package struct OrderService: Sendable {
    package let configuration: OrderConfiguration
    package let processor: OrderProcessor
    package let health: HealthMonitor
    /// Lifecycle services that run beside the HTTP server (the reconciler, client shutdown).
    package let services: [any Service]
    package let registry: PrometheusCollectorRegistry
    package let chaos: OrderChaos
    package let logger: Logger

    package init(
        configuration: OrderConfiguration,
        processor: OrderProcessor,
        health: HealthMonitor,
        services: [any Service],
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.processor = processor
        self.health = health
        self.services = services
        self.registry = registry
        self.chaos = OrderChaos(errorAfterStore: configuration.errorAfterStore, registry: registry)
        self.logger = logger
    }

    /// Opens (and migrates) the SQLite database, connects to inventory, and starts the reconciler.
    package static func live(configuration: OrderConfiguration, logger: Logger) throws -> OrderService {
        let pool = try SQLiteStore.open(path: configuration.databasePath, durability: configuration.durability)
        let database = try OrderDatabase(pool)
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.timeout = .init(connect: .milliseconds(500))
        clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // Our gateway retries with its own backoff and breaker. The client's built-in retry of failed
        // connections backs off up to a minute and would keep failing calls long after inventory is back.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let registry = PrometheusCollectorRegistry()
        let http = HTTPInventoryGateway(baseURL: configuration.inventoryURL, httpClient: httpClient)
        let inventory = ResilientInventoryGateway(
            base: http, policy: configuration.callPolicy, registry: registry, logger: logger)
        let naive = configuration.policy.naive
        let processor = OrderProcessor(
            repository: database,
            // Naive mode calls inventory bare: one try, no breaker, no bulkhead.
            inventory: naive ? http : inventory,
            patientInventory: inventory.patient(attemptTimeout: configuration.policy.retryTimeout),
            policy: configuration.policy,
            logger: logger,
            metrics: OrderMetrics(registry: registry)
        )
        let health = HealthMonitor(
            serviceId: "order",
            indicators: [
                DatabaseHealthIndicator(database: pool, path: configuration.databasePath, probe: "SELECT count(*) FROM orders"),
                InventoryHealthIndicator(baseURL: configuration.inventoryURL, httpClient: httpClient),
                CircuitHealthIndicator(breaker: inventory.breaker),
            ]
        )
        return OrderService(
            configuration: configuration,
            processor: processor,
            health: health,
            services: [HTTPClientService(client: httpClient)] + (naive ? [] : [Reconciler(processor: processor)]),
            registry: registry,
            logger: logger
        )
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: "order",
            health: health,
            openAPIDocument: OrderAPIDocument.load(),
            registry: registry
        )
        return try builder.makeRouter { routes in
            try OrderAPIHandler(processor: processor, chaos: chaos).registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AdminAuthMiddleware(token: configuration.adminToken ?? .unguessable(), operations: ["getChaos", "putChaos"]),
                    LocationHeaderMiddleware(),
                    RequestBodyMiddleware(limit: configuration.bodyLimit, schemas: OrderBodySchemas.byOperation),
                ]
            )
        }
    }

    package func makeApplication() throws -> some ApplicationProtocol {
        Application(
            router: try makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "warehouse-order"),
            services: services,
            logger: logger
        )
    }
}

/// Shuts an `HTTPClient` down when the service group stops, after the services that use it.
package struct HTTPClientService: Service {
    package let client: HTTPClient

    package func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
