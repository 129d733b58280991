import Logging
import ServiceLifecycle

/// The first step of a graceful shutdown, as orchestrators expect it: on SIGTERM the service reports
/// itself not ready at once, keeps serving for `delay` (the time a load balancer or the endpoints of a
/// Kubernetes Service take to notice), and only then lets the rest of the group shut down: the HTTP
/// server stops accepting connections and finishes the requests in flight.
///
/// Put it last in a `ServiceGroup`: the group shuts its services down in reverse order, one after the
/// other, so this one runs its delay before the server is asked to stop.
package struct DrainOnShutdown: Service {
    package let notice: ShutdownNotice
    package let delay: Duration
    package let logger: Logger

    package init(notice: ShutdownNotice, delay: Duration, logger: Logger) {
        self.notice = notice
        self.delay = delay
        self.logger = logger
    }

    package func run() async throws {
        // Returns once a graceful shutdown begins; throws only if the group is cancelled instead.
        try? await gracefulShutdown()
        notice.post()
        logger.info(
            "shutting down: not ready from now on; new connections are refused after the drain delay",
            metadata: ["drain_delay_ms": "\(Int(delay.milliseconds))"])
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
