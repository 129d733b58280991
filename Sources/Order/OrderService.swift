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
    /// Where the orders are kept: `sqlite:///DIR/orders.sqlite` unless `--database-url` says otherwise.
    package var databaseURL: DatabaseURL
    package var durability: Durability = .full
    package var inventoryURL: URL
    package var policy = OrderPolicy()
    package var callPolicy = InventoryCallPolicy()
    /// Run the design this one replaces (`NaiveOrderPlacement`, no reconciler), for the chaos
    /// experiment's comparison only.
    package var naive = false
    /// Who may reach it (allowed hosts and origins, connection limits), the admin token that guards
    /// chaos, and the service token it shows inventory, that its event feed requires, and that its
    /// order ids are derived under.
    package var edge = EdgePolicy()
    /// Who may list every customer's orders at once.
    package var customerListing = CustomerListing.anyone
    /// Chaos at start: answer 500 to these new orders after storing them (off by default).
    package var errorAfterStore = ChaosSelector.none
    package var bodyLimit = RequestBodyMiddleware.defaultLimit
    /// The latency alert is raised while order placements average more than this over 30 s.
    package var latencyAlertThreshold: Duration = .seconds(1)
    /// How long each check of `/health` (database, inventory, circuit) may take before it fails.
    package var healthTimeout = HealthMonitor.defaultTimeout
    /// How long order events are kept in the feed (`--event-retention-h`); a reader further behind gets 410.
    package var eventRetention: Duration = .seconds(168 * 3600)

    package init(databaseURL: DatabaseURL, inventoryURL: URL) {
        self.databaseURL = databaseURL
        self.inventoryURL = inventoryURL
    }
}

/// The order service: takes orders, stores them, and has inventory deduct their stock.
package struct OrderService: Sendable {
    package let configuration: OrderConfiguration
    /// What `POST /orders` does: `OrderPlacement`, or `NaiveOrderPlacement` for the comparison.
    package let placement: any OrderPlacing
    package let repository: any OrderRepository
    package let health: HealthMonitor
    /// Lifecycle services that run beside the HTTP server (the reconciler, client shutdown).
    package let services: [any Service]
    package let registry: PrometheusCollectorRegistry
    package let chaos: OrderChaos
    /// The response times of order placements (`POST /orders`) and the alert over them.
    package let latencyAlert: LatencyAlert
    /// The order events, served at `GET /events`.
    package let feed: EventFeed?
    /// Whether the database is still the one a restart opens: checked before an order is acknowledged.
    package let integrity: any StorageIntegrity
    package let logger: Logger

    package init(
        configuration: OrderConfiguration,
        placement: any OrderPlacing,
        repository: any OrderRepository,
        health: HealthMonitor,
        services: [any Service],
        feed: EventFeed? = nil,
        integrity: any StorageIntegrity = AlwaysIntact(),
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        latencyWindow: LatencyWindow = LatencyWindow(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.placement = placement
        self.repository = repository
        self.health = health
        self.services = services
        self.feed = feed
        self.integrity = integrity
        self.registry = registry
        self.chaos = OrderChaos(errorAfterStore: configuration.errorAfterStore, registry: registry)
        self.latencyAlert = LatencyAlert(
            window: latencyWindow, measured: "POST /orders", threshold: configuration.latencyAlertThreshold)
        self.logger = logger
    }

    /// Opens (and migrates) the database, connects to inventory, and starts the reconciler.
    package static func live(configuration: OrderConfiguration, logger: Logger) async throws -> OrderService {
        let storage = try await OrderStorage.open(configuration.databaseURL, durability: configuration.durability, logger: logger)
        // For the health check of inventory; deductions go over `KeepAliveTransport` (below).
        let httpClient = HTTPClient.forServices(connectionsPerHost: 64)
        let registry = PrometheusCollectorRegistry()
        // Deductions go over bare keep-alive connections: through AsyncHTTPClient they cost a fifth of
        // this service's CPU (perf, issue 6). The client above stays for the health probe.
        let transport = KeepAliveTransport()
        let http = HTTPInventoryGateway(
            baseURL: configuration.inventoryURL, transport: transport, token: configuration.edge.credentials.service)
        // Inventory's recoveries ring the reconciler's bell: its backlog is worked off at once.
        let pendingBell = Doorbell()
        let availability = InventoryAvailability(onRecovery: { pendingBell.ring() })
        let inventory = ResilientInventoryGateway(
            base: http, policy: configuration.callPolicy, availability: availability, registry: registry, logger: logger)
        let metrics = OrderMetrics(registry: registry)
        let flow = OrderFlow(
            repository: storage.repository,
            inventory: inventory,
            patientInventory: inventory.patient(attemptTimeout: configuration.policy.retryTimeout),
            policy: configuration.policy,
            logger: logger,
            metrics: metrics,
            pendingBell: pendingBell,
            availability: availability,
            orderIDKey: OrderIDKey(serviceToken: configuration.edge.credentials.service)
        )
        // The naive design calls inventory bare (one try, no breaker, no bulkhead) and has no reconciler.
        let placement: any OrderPlacing =
            configuration.naive
            ? NaiveOrderPlacement(repository: storage.repository, inventory: http, policy: configuration.policy, metrics: metrics)
            : flow.placement
        let health = HealthMonitor(
            serviceId: "order",
            indicators: [
                storage.health,
                ServiceHealthIndicator(
                    service: "inventory",
                    url: configuration.inventoryURL.appendingPathComponent("health/ready"),
                    httpClient: httpClient,
                    timeout: ServiceHealthIndicator.timeout(under: configuration.healthTimeout)
                ),
                CircuitHealthIndicator(breaker: inventory.breaker),
            ],
            timeout: configuration.healthTimeout
        )
        let pruner = storage.feed.map { $0.pruner(retention: configuration.eventRetention, logger: logger) as any Service }
        return OrderService(
            configuration: configuration,
            placement: placement,
            repository: storage.repository,
            health: health,
            services: storage.services + [HTTPClientService(client: httpClient), transport] + (pruner.map { [$0] } ?? [])
                + (configuration.naive ? [] : [flow.reconciler]),
            feed: storage.feed,
            integrity: storage.integrity,
            registry: registry,
            logger: logger
        )
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let edge = configuration.edge
        let builder = ServiceRouterBuilder(
            name: "order",
            health: health,
            edge: edge,
            openAPIDocument: OrderAPIDocument.load(),
            registry: registry,
            observeLatency: { [window = latencyAlert.window] timing in
                if Self.isOrderPlacement(timing) { window.record(timing.duration) }
            },
            latencyAlert: latencyAlert
        )
        return try builder.makeRouter { routes in
            if let feed { EventFeedRoute.register(feed, on: routes, credentials: edge.credentials) }
            try OrderAPIHandler(
                placement: placement, repository: repository, chaos: chaos, logger: logger, integrity: integrity,
                retryWindow: configuration.policy.idempotencyRetention)
                .registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AuthorizationMiddleware(
                        credentials: edge.credentials, rules: ["getChaos": .admin, "putChaos": .admin, "retryOrder": .admin]),
                    CustomerListingMiddleware(
                        listing: configuration.customerListing, credentials: edge.credentials, operations: ["listOrders"]),
                    UnescapedHeadersMiddleware(.location),
                    RequestBodyMiddleware(limit: configuration.bodyLimit, schemas: OrderBodySchemas.byOperation),
                ]
            )
        }
    }

    /// What the latency window measures: order placements, the requests a shopper waits on and the
    /// only ones inventory can slow down. Reads (`GET /orders`) are left out, or a console polling them
    /// every second would dilute the very average it shows.
    package static func isOrderPlacement(_ timing: RequestTiming) -> Bool {
        timing.method == .post && timing.route == "/orders"
    }

    package func makeApplication() throws -> some ApplicationProtocol {
        configuration.edge.application(
            router: try makeRouter(), host: configuration.host, port: configuration.port, serverName: "warehouse-order",
            services: services, logger: logger)
    }
}
