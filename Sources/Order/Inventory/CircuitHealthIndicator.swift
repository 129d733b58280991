import Foundation
import WarehouseKit

/// Reports the inventory circuit breaker: `pass` closed, `warn` half-open or open (orders are still
/// taken, as pending), with when it opened.
package struct CircuitHealthIndicator: HealthIndicator {
    package let key = "inventory:circuitState"
    package let componentType = "component"
    package let breaker: CircuitBreaker

    package init(breaker: CircuitBreaker) {
        self.breaker = breaker
    }

    package func check() async -> HealthCheckResult {
        switch breaker.state {
        case .closed:
            return HealthCheckResult(componentType: componentType, observedValue: 0, observedUnit: "state", status: .pass)
        case .halfOpen:
            return HealthCheckResult(
                componentType: componentType,
                observedValue: 1,
                observedUnit: "state",
                status: .warn,
                output: "circuit half-open: probing inventory"
            )
        case .open(let since):
            return HealthCheckResult(
                componentType: componentType,
                observedValue: 2,
                observedUnit: "state",
                status: .warn,
                output: "circuit open since \(since.formatted(date: .omitted, time: .standard)); orders are kept pending"
            )
        }
    }
}
