import Synchronization

/// Whether the process has begun to shut down. Once posted, `HealthMonitor` reports the service as not
/// ready, so load balancers and Kubernetes take it out of rotation before it stops taking connections.
package final class ShutdownNotice: Sendable {
    /// The notice of the process a service is being built for: `warehouse serve` sets it while it makes
    /// the service, and every `HealthMonitor` made meanwhile reads it. Elsewhere (tests, `up`) each
    /// monitor gets a notice of its own that is never posted.
    @TaskLocal package static var current: ShutdownNotice?

    private let posted = Atomic(false)

    package init() {}

    package var isPosted: Bool { posted.load(ordering: .acquiring) }

    package func post() { posted.store(true, ordering: .releasing) }
}
