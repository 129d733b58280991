import Synchronization

/// Whether the process has begun to shut down. Once posted, `HealthMonitor` reports the service as not
/// ready, so load balancers and Kubernetes take it out of rotation before it stops taking connections.
package final class ShutdownNotice: Sendable {
    private let posted = Atomic(false)

    package init() {}

    package var isPosted: Bool { posted.load(ordering: .acquiring) }

    package func post() { posted.store(true, ordering: .releasing) }
}
