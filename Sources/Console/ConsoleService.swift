import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import WarehouseKit

/// Settings of the console process.
package struct ConsoleConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8090
    /// The services it shows a health tile for, in this order; it passes requests on to order and
    /// inventory among them.
    package var upstreams: [ServiceEndpoint]
    /// The longest the console waits for a service's answer to a proxied request.
    package var upstreamTimeout: Duration = .seconds(10)
    /// The longest it waits for a service's `/health` when drawing the tiles, and for each check of its
    /// own `/health` (can it reach the services?).
    package var healthTimeout: Duration = .milliseconds(1500)
    /// The order processes whose latency windows the alert covers; empty: the order upstream alone.
    package var orderInstances: [URL] = []
    /// The longest the console waits for one order instance's latency window: one that is slower is
    /// listed as not answering, and the others' figures are shown without it.
    package var instanceTimeout: Duration = .seconds(2)
    package var bodyLimit = RequestBodyMiddleware.defaultLimit
    /// Who may reach it: allowed hosts, the origins its page may change things from, connection limits.
    /// It checks no token itself: the admin token a person types travels on to the service it is for.
    package var edge = EdgePolicy()

    package init(upstreams: [ServiceEndpoint]) {
        self.upstreams = upstreams
    }

    /// The upstream named `name`.
    ///
    /// - Throws: `ConsoleConfigurationError` when it has none (the console needs order, inventory and notification).
    package func upstream(_ name: ServiceName) throws -> ServiceEndpoint {
        guard let upstream = upstreams.first(where: { $0.name == name }) else {
            throw ConsoleConfigurationError.missingUpstream(name)
        }
        return upstream
    }
}

package enum ConsoleConfigurationError: Error, CustomStringConvertible {
    case missingUpstream(ServiceName)

    package var description: String {
        switch self {
        case .missingUpstream(let name): "the console needs the URL of the \(name) service"
        }
    }
}

/// The console: the page, and the routes under `/api` it reads and writes through.
///
/// | console route | passed on to |
/// |---|---|
/// | `GET /api/products` | inventory `GET /products` |
/// | `GET`, `POST /api/orders`, `GET /api/orders/{id}` | order, the same paths |
/// | `GET /api/stats/latency` | order `GET /stats/latency` of every order instance, combined (`OrderTier`) |
/// | `GET /api/notifications` | notification `GET /notifications` (a customer's inbox) |
/// | `GET`, `PUT /api/admin/chaos` | inventory `/admin/chaos`, with the `Authorization` the user typed |
/// | `GET /api/health` | every service's `/health`, as tiles (`HealthOverview`) |
package struct ConsoleService: Sendable {
    package let configuration: ConsoleConfiguration
    package let proxy: ConsoleProxy
    package let health: HealthMonitor
    package let assets: StaticAssets
    package let registry: PrometheusCollectorRegistry
    package let services: [any Service]
    package let logger: Logger

    /// Where the page's orders, products and a customer's notifications come from.
    package let order: ServiceEndpoint
    package let inventory: ServiceEndpoint
    package let notification: ServiceEndpoint
    /// Every order instance, for the latency alert.
    package let orderTier: OrderTier

    /// - Parameter resolver: finds the instances behind each of `configuration.orderInstances`.
    package init(
        configuration: ConsoleConfiguration,
        httpClient: HTTPClient,
        resolver: any InstanceResolver = SystemInstanceResolver(),
        services: [any Service] = [],
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.order = try configuration.upstream(.order)
        self.inventory = try configuration.upstream(.inventory)
        self.notification = try configuration.upstream(.notification)
        self.orderTier = OrderTier(
            urls: configuration.orderInstances.isEmpty ? [order.url] : configuration.orderInstances, resolver: resolver,
            source: HTTPLatencySource(httpClient: httpClient), timeout: configuration.instanceTimeout)
        self.proxy = ConsoleProxy(
            httpClient: httpClient, timeout: configuration.upstreamTimeout, bodyLimit: configuration.bodyLimit)
        // The console's own health: can it reach what it passes requests on to? Each service's own
        // verdict is on its tile, not here: a slow inventory must not turn the console's probe red.
        self.health = HealthMonitor(
            serviceId: ServiceName.console.rawValue,
            indicators: configuration.upstreams.map { upstream in
                ServiceHealthIndicator(
                    service: upstream.name.rawValue, url: upstream.url.appendingPathComponent("health/live"),
                    httpClient: httpClient,
                    timeout: ServiceHealthIndicator.timeout(under: configuration.healthTimeout))
            },
            timeout: configuration.healthTimeout
        )
        self.assets = try StaticAssets.load()
        self.registry = PrometheusCollectorRegistry()
        self.services = services
        self.logger = logger
    }

    /// The console with an HTTP client of its own, shut down with the service group.
    package static func live(configuration: ConsoleConfiguration, logger: Logger) throws -> ConsoleService {
        let httpClient = makeHTTPClient()
        return try ConsoleService(
            configuration: configuration, httpClient: httpClient, services: [HTTPClientService(client: httpClient)],
            logger: logger)
    }

    /// The client the console reaches the services with; whoever makes it shuts it down.
    package static func makeHTTPClient() -> HTTPClient {
        .forServices(connectionsPerHost: 32)
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: ServiceName.console.rawValue,
            health: health,
            edge: configuration.edge,
            openAPIDocument: Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap {
                try? Data(contentsOf: $0)
            },
            registry: registry
        )
        return builder.makeRouter { routes in
            for (path, asset) in assets.byPath {
                routes.on(.get, path) { _, _ in StaticAssets.response(asset) }
            }
            let proxy = self.proxy
            let order = self.order
            let inventory = self.inventory
            let notification = self.notification
            routes.on(.get, "/api/products") { request, _ in try await proxy.forward(request, to: inventory, path: "/products") }
            routes.on(.get, "/api/orders") { request, _ in try await proxy.forward(request, to: order, path: "/orders") }
            routes.on(.post, "/api/orders") { request, _ in try await proxy.forward(request, to: order, path: "/orders") }
            routes.on(.get, "/api/orders/{id}") { request, _ in
                // The raw (still percent-encoded) segment, passed on as it came.
                let id = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
                return try await proxy.forward(request, to: order, path: "/orders/\(id)")
            }
            let orderTier = self.orderTier
            routes.on(.get, "/api/stats/latency") { request, _ in
                // Checked here, so a bad value is the shopper's 400, not a 502 of every instance refusing it.
                let seconds = try ServiceRouterBuilder.seriesSeconds(request)
                return try JSONAnswer(try await orderTier.report(seriesSeconds: seconds))
            }
            routes.on(.get, "/api/notifications") { request, _ in
                try await proxy.forward(request, to: notification, path: "/notifications")
            }
            routes.on(.get, "/api/admin/chaos") { request, _ in
                try await proxy.forward(request, to: inventory, path: "/admin/chaos")
            }
            routes.on(.put, "/api/admin/chaos") { request, _ in
                try await proxy.forward(request, to: inventory, path: "/admin/chaos")
            }
            let health = self.health
            let httpClient = proxy.httpClient
            let healthTimeout = configuration.healthTimeout
            let upstreams = configuration.upstreams
            routes.on(.get, "/api/health") { _, _ in
                let overview = await HealthOverview.gather(
                    upstreams: upstreams, console: health, httpClient: httpClient, timeout: healthTimeout)
                return try JSONAnswer(overview)
            }
        }
    }

    package func makeApplication() throws -> some ApplicationProtocol {
        configuration.edge.application(
            router: try makeRouter(), host: configuration.host, port: configuration.port, serverName: "warehouse-console",
            services: services, logger: logger)
    }
}

/// A value as a JSON answer, never cached.
struct JSONAnswer: ResponseGenerator {
    let body: Data

    init(_ value: some Encodable) throws {
        body = try JSONEncoder.warehouse().encode(value)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
