import Hummingbird
import Prometheus

/// Records `http_server_request_duration_seconds{route, method, status}` for every request, including
/// the ones that end in an error answer. `route` is the matched template (`/orders/{id}`), never the raw
/// path, so ids cannot explode the number of series; unmatched paths count as `unmatched`.
package struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    package let registry: PrometheusCollectorRegistry
    /// Told of every request's duration (the order service's rolling latency window listens here).
    package let observe: @Sendable (Duration) -> Void

    package static var buckets: [Duration] {
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10].map { .milliseconds(Int($0 * 1000)) }
    }

    package init(registry: PrometheusCollectorRegistry, observe: @escaping @Sendable (Duration) -> Void = { _ in }) {
        self.registry = registry
        self.observe = observe
    }

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "http_server_request_duration", unitName: "seconds",
                helpText: "Time from request to response head, by route template, method and status."),
            labels: [("route", route), ("method", request.method.rawValue), ("status", String(response.status.code))],
            buckets: Self.buckets
        ).record(elapsed)
        observe(elapsed)
        return response
    }
}
