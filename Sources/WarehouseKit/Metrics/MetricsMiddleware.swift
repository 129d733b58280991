import Foundation
import HTTPTypes
import Hummingbird
import Prometheus

/// One answered request, as the metrics middleware saw it.
package struct RequestTiming: Sendable, Equatable {
    /// The matched route template (`/orders/{id}`), or `unmatched`.
    package var route: String
    package var method: HTTPRequest.Method
    package var status: Int
    /// From the request's arrival at the middleware to the response head.
    package var duration: Duration

    package init(route: String, method: HTTPRequest.Method, status: Int, duration: Duration) {
        self.route = route
        self.method = method
        self.status = status
        self.duration = duration
    }
}

/// Records `http_server_request_duration_seconds{route, method, status}` for every request, including
/// the ones that end in an error answer. `route` is the matched template (`/orders/{id}`), never the raw
/// path, so ids cannot explode the number of series; unmatched paths count as `unmatched`.
///
/// The same time goes back to the caller as `Server-Timing: total;dur=<ms>` (W3C Server Timing), with
/// `stall;dur=<ms>` when the process stood still meanwhile: a client that measures an answer later
/// than it should can tell the time the service took from the time the request and its answer spent
/// between the two (a starved machine, a connection), and from the time the service got no CPU.
package struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    package let registry: PrometheusCollectorRegistry
    /// Told of every answered request (the order service's rolling latency window listens here).
    package let observe: @Sendable (RequestTiming) -> Void
    /// When the process stood still, for `Server-Timing`'s `stall`.
    package let stalls: StallMeter

    package static var buckets: [Duration] {
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10].map { .milliseconds(Int($0 * 1000)) }
    }

    package init(
        registry: PrometheusCollectorRegistry, stalls: StallMeter = .process, observe: @escaping @Sendable (RequestTiming) -> Void = { _ in }
    ) {
        self.registry = registry
        self.stalls = stalls
        self.observe = observe
    }

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let arrived = Date()
        let started = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        // The window by the monotonic clock's length: the wall clock may have been set meanwhile.
        let stalled = stalls.milliseconds(stalledIn: DateInterval(start: arrived, duration: elapsed.seconds))
        response.headers[.serverTiming] = ServerTiming.value(total: elapsed, stall: .milliseconds(stalled))
        let route = context.endpointPath ?? "unmatched"
        registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "http_server_request_duration", unitName: "seconds",
                helpText: "Time from request to response head, by route template, method and status."),
            labels: [("route", route), ("method", request.method.rawValue), ("status", String(response.status.code))],
            buckets: Self.buckets
        ).record(elapsed)
        observe(RequestTiming(route: route, method: request.method, status: Int(response.status.code), duration: elapsed))
        return response
    }
}
