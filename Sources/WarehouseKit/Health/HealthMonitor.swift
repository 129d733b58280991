import Foundation

/// One dependency check, such as "the inventory database answers a query on its own tables".
package protocol HealthIndicator: Sendable {
    /// `component:measurement`, the key of the check in the report.
    var key: String { get }
    var componentType: String { get }
    /// What a person calls the dependency (`inventory database`), to start an output with.
    var displayName: String { get }
    /// Runs the check. It may take as long as it likes: the monitor cuts it off at its timeout.
    func check() async -> HealthCheckResult
}

/// Runs every indicator concurrently, each with its own timeout, and folds them into one report.
package struct HealthMonitor: Sendable {
    package let serviceId: String
    package let indicators: [any HealthIndicator]
    package let timeout: Duration
    /// Posted when the process begins to shut down: every report then fails with that reason alone.
    package let shutdownNotice: ShutdownNotice

    /// How long a check may take before it counts as failed, unless a service says otherwise: short
    /// enough for a load balancer's probe, long enough for a database under load to answer.
    package static let defaultTimeout = Duration.milliseconds(800)

    package init(
        serviceId: String,
        indicators: [any HealthIndicator],
        timeout: Duration = defaultTimeout,
        shutdownNotice: ShutdownNotice = ShutdownNotice.current ?? ShutdownNotice()
    ) {
        self.serviceId = serviceId
        self.indicators = indicators
        self.timeout = timeout
        self.shutdownNotice = shutdownNotice
    }

    package func report() async -> HealthReport {
        if shutdownNotice.isPosted {
            let shuttingDown = HealthCheckResult(
                componentType: "system",
                status: .fail,
                output: "\(serviceId) is shutting down: it finishes the requests in flight and takes no new ones"
            )
            return HealthReport(status: .fail, serviceId: serviceId, checks: ["shutdown:draining": [shuttingDown]])
        }
        let results = await withTaskGroup(of: (String, HealthCheckResult).self) { group in
            for indicator in indicators {
                group.addTask {
                    let started = ContinuousClock.now
                    do {
                        return (indicator.key, try await withDeadline(started + timeout) { await indicator.check() })
                    } catch {
                        return (
                            indicator.key,
                            HealthCheckResult(
                                componentType: indicator.componentType,
                                observedValue: timeout.milliseconds,
                                observedUnit: "ms",
                                status: .fail,
                                output: "\(indicator.displayName) did not answer within \(Int(timeout.milliseconds)) ms"
                            )
                        )
                    }
                }
            }
            var collected: [String: [HealthCheckResult]] = [:]
            for await (key, result) in group { collected[key, default: []].append(result) }
            return collected
        }
        let status = results.values.flatMap { $0 }.map(\.status).max() ?? .pass
        return HealthReport(status: status, serviceId: serviceId, checks: results)
    }

    /// The liveness report: the process answers, nothing else is touched.
    package func liveness(startedAt: Date) -> HealthReport {
        let uptime = HealthCheckResult(
            componentType: "system",
            observedValue: Date().timeIntervalSince(startedAt).rounded(),
            observedUnit: "s",
            status: .pass
        )
        return HealthReport(status: .pass, serviceId: serviceId, checks: ["uptime": [uptime]])
    }
}

extension HealthIndicator {
    package var displayName: String { componentType }

    /// Times `probe` and turns its outcome into a result: `pass` when it returns, `fail` with the error's
    /// description when it throws.
    package func measure(_ probe: () async throws -> Void) async -> HealthCheckResult {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try await probe()
            return HealthCheckResult(
                componentType: componentType,
                observedValue: (clock.now - started).milliseconds,
                observedUnit: "ms",
                status: .pass
            )
        } catch {
            return HealthCheckResult(
                componentType: componentType,
                observedValue: (clock.now - started).milliseconds,
                observedUnit: "ms",
                status: .fail,
                output: String(describing: error)
            )
        }
    }
}
