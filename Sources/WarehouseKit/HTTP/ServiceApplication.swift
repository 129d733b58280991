import Foundation
import Hummingbird
import Logging
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// What every service shares at its edge: request ids, request metrics, problem answers, the host and
/// origin checks of its `EdgePolicy`, 405s, health probes (details for the admin only), `/metrics`, its
/// OpenAPI document and, when it keeps one, its latency alert at `/stats/latency`. A service supplies
/// its generated handler and its middlewares; this builds the rest.
package struct ServiceRouterBuilder: Sendable {
    package let name: String
    package let health: HealthMonitor
    /// Who may reach the service: its allowed hosts and origins, and the credentials that show the
    /// admin the particulars of its health checks.
    package let edge: EdgePolicy
    /// The service's OpenAPI document, served verbatim at `GET /openapi.yaml`.
    package let openAPIDocument: Data?
    package let registry: PrometheusCollectorRegistry
    /// Told of every answered request, with its route, method, status and duration.
    package let observeLatency: @Sendable (RequestTiming) -> Void
    /// Served at `GET /stats/latency` when set.
    package let latencyAlert: LatencyAlert?
    package let startedAt: Date

    package init(
        name: String,
        health: HealthMonitor,
        edge: EdgePolicy = EdgePolicy(),
        openAPIDocument: Data?,
        registry: PrometheusCollectorRegistry,
        observeLatency: @escaping @Sendable (RequestTiming) -> Void = { _ in },
        latencyAlert: LatencyAlert? = nil,
        startedAt: Date = Date()
    ) {
        self.name = name
        self.health = health
        self.edge = edge
        self.openAPIDocument = openAPIDocument
        self.registry = registry
        self.observeLatency = observeLatency
        self.latencyAlert = latencyAlert
        self.startedAt = startedAt
    }

    /// Builds the router: platform routes first, then `registerAPI` registers the generated handlers on
    /// the route table, and every path then answers 405 to methods it does not serve.
    package func makeRouter(
        registerAPI: (RouteTable<BasicRequestContext>) throws -> Void
    ) rethrows -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware(registry: registry, observe: observeLatency))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: EdgeGuardMiddleware(hosts: edge.hosts, origins: edge.origins))
        let routes = RouteTable(router: router)

        let health = self.health
        let startedAt = self.startedAt
        let credentials = edge.credentials
        // Anyone may ask how a service is; the particulars of a failing check (file paths, database
        // error texts) are the admin's: `Authorization: Bearer <admin token>` shows them.
        @Sendable func report(_ request: Request) async -> HealthResponse {
            let report = await health.report()
            return HealthResponse(report: credentials.isAdmin(request.headers[.authorization]) ? report.withDetails() : report)
        }
        router.get("/health") { request, _ in await report(request) }
        router.get("/health/ready") { request, _ in await report(request) }
        router.get("/health/live") { _, _ in HealthResponse(report: health.liveness(startedAt: startedAt)) }
        for path in ["/health", "/health/ready", "/health/live"] { routes.record(.get, path) }

        let registry = self.registry
        let stalls = StallCounter(registry: registry)
        router.get("/metrics") { _, _ in
            stalls.update()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
        routes.record(.get, "/metrics")

        if let latencyAlert {
            router.get("/stats/latency") { request, _ in
                LatencyReportResponse(report: latencyAlert.report(seriesSeconds: try Self.seriesSeconds(request)))
            }
            routes.record(.get, "/stats/latency")
        }

        if let document = openAPIDocument {
            router.get("/openapi.yaml") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/yaml"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: document))
                )
            }
            routes.record(.get, "/openapi.yaml")
        }
        try registerAPI(routes)
        routes.rejectOtherMethods()
        return router
    }
}

extension ServiceRouterBuilder {
    /// `?seconds=` of `/stats/latency`: how many seconds of series to return, 1 to 300, default 120.
    /// The console checks its `/api/stats/latency` by the same rule before it asks any order instance.
    package static func seriesSeconds(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["seconds"] else { return 120 }
        guard let seconds = Int(text), (1...300).contains(seconds) else {
            throw RequestError.invalidParameter(name: "seconds", detail: "must be an integer from 1 to 300")
        }
        return seconds
    }
}

/// The latency alert as an HTTP answer, never cached.
struct LatencyReportResponse: ResponseGenerator {
    let report: LatencyReport

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder.warehouse().encode(report)))
        )
    }
}

/// A health report as an HTTP answer: 200 for pass and warn, 503 for fail.
struct HealthResponse: ResponseGenerator {
    let report: HealthReport

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder.warehouse().encode(report)
        return Response(
            status: report.status == .fail ? .serviceUnavailable : .ok,
            headers: [.contentType: "application/health+json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
