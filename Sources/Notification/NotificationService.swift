import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NotificationAPI
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle
import WarehouseKit

/// Settings of one notification process.
package struct NotificationConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8082
    /// Where the inbox, subscriptions and deliveries are kept: `sqlite:///DIR/notifications.sqlite`
    /// unless `--database-url` says otherwise.
    package var databaseURL: DatabaseURL
    package var durability: Durability = .full
    /// The order service, whose `GET /events` this service follows.
    package var orderURL: URL
    /// Guards the subscription and delivery endpoints; without one they refuse every call.
    package var adminToken: AdminToken?
    package var bodyLimit = RequestBodyMiddleware.defaultLimit
    package var delivery = DeliveryPolicy()
    /// `/health` warns when more order events than this are not yet read…
    package var lagWarnEvents: Int64 = 1000
    /// …or when the oldest of them may be older than this, in seconds.
    package var lagWarnSeconds: Double = 30
    /// How long each check of `/health` may take before it fails.
    package var healthTimeout = HealthMonitor.defaultTimeout

    package init(databaseURL: DatabaseURL, orderURL: URL) {
        self.databaseURL = databaseURL
        self.orderURL = orderURL
    }
}

/// The notification service: follows the order feed, keeps each customer's inbox, delivers webhooks.
/// Nothing in the order flow waits for it.
package struct NotificationService: Sendable {
    package let configuration: NotificationConfiguration
    package let repository: any NotificationRepository
    package let health: HealthMonitor
    /// Lifecycle services beside the HTTP server: the feed follower, the webhook dispatcher, client shutdown.
    package let services: [any Service]
    package let registry: PrometheusCollectorRegistry
    /// Rung when there are deliveries to send.
    package let deliveries: Doorbell
    package let logger: Logger

    package init(
        configuration: NotificationConfiguration,
        repository: any NotificationRepository,
        health: HealthMonitor,
        services: [any Service],
        registry: PrometheusCollectorRegistry,
        deliveries: Doorbell,
        logger: Logger
    ) {
        self.configuration = configuration
        self.repository = repository
        self.health = health
        self.services = services
        self.registry = registry
        self.deliveries = deliveries
        self.logger = logger
    }

    /// Opens (and migrates) the database and wires the follower and the dispatcher to it.
    package static func live(configuration: NotificationConfiguration, logger: Logger) async throws -> NotificationService {
        let storage = try await NotificationStorage.open(configuration.databaseURL, durability: configuration.durability, logger: logger)
        let database = storage.repository
        let registry = PrometheusCollectorRegistry()
        let metrics = NotificationMetrics(registry: registry)
        let feedClient = makeFeedHTTPClient()
        let webhookClient = HTTPWebhookSender.makeHTTPClient()
        let lag = FeedLag()
        let deliveries = Doorbell()
        let follower = FeedFollower(
            feed: EventFeedClient(baseURL: configuration.orderURL.absoluteString, httpClient: feedClient),
            repository: database, lag: lag, deliveries: deliveries, policy: configuration.delivery, metrics: metrics,
            logger: logger)
        let dispatcher = WebhookDispatcher(
            repository: database, sender: HTTPWebhookSender(httpClient: webhookClient), policy: configuration.delivery,
            bell: deliveries, metrics: metrics, logger: logger)
        let health = HealthMonitor(
            serviceId: ServiceName.notification.rawValue,
            indicators: [
                storage.health,
                FeedLagIndicator(lag: lag, measure: .events(threshold: configuration.lagWarnEvents)),
                FeedLagIndicator(lag: lag, measure: .seconds(threshold: configuration.lagWarnSeconds)),
            ],
            timeout: configuration.healthTimeout
        )
        return NotificationService(
            configuration: configuration,
            repository: database,
            health: health,
            services: storage.services + [
                follower, dispatcher, HTTPClientService(client: feedClient), HTTPClientService(client: webhookClient),
            ],
            registry: registry,
            deliveries: deliveries,
            logger: logger
        )
    }

    /// The client that reads the order feed: it fails fast when order is away (the follower has its own
    /// backoff), and it keeps one connection warm for the long polls.
    private static func makeFeedHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(500))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 2)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: ServiceName.notification.rawValue,
            health: health,
            openAPIDocument: NotificationAPIDocument.load(),
            registry: registry
        )
        return try builder.makeRouter { routes in
            try NotificationAPIHandler(repository: repository, deliveries: deliveries).registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AdminAuthMiddleware(
                        token: configuration.adminToken ?? .unguessable(),
                        operations: ["putSubscription", "getSubscription", "listDeliveries"]),
                    RequestBodyMiddleware(limit: configuration.bodyLimit, schemas: NotificationBodySchemas.byOperation),
                ]
            )
        }
    }

    package func makeApplication() throws -> some ApplicationProtocol {
        Application(
            router: try makeRouter(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "warehouse-notification"),
            services: services,
            logger: logger
        )
    }
}
