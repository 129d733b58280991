import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks another service how it is (`/health/ready` for the order service's check of inventory,
/// `/health/live` for the console's checks of what it proxies) and reports its response time.
///
/// The other service down or not ready is a `warn` by default, not a `fail`: the caller still works
/// without it (orders are taken as pending; the console shows what it can). The output names the
/// service and says why: `inventory unreachable: connection refused`, or the outputs of the other
/// service's failing checks (`inventory not ready: inventory database: file … is missing`).
package struct ServiceHealthIndicator: HealthIndicator {
    /// The other service's name, as people call it (`inventory`).
    package let service: String
    package let componentType = "component"
    package let url: URL
    package let httpClient: HTTPClient
    /// Must stay under the monitor's timeout, so this check's own output is the one reported.
    package let timeout: Duration
    /// What a failed check counts as for the caller.
    package let severity: HealthStatus

    /// A check's limit under a monitor's: 100 ms less (the 700 ms default under the monitor's 800), so the
    /// check's own output ("no answer within …") is the one reported, and a check never gives up at
    /// 700 ms while its monitor would wait longer; half the monitor's under a monitor of 200 ms or less.
    package static func timeout(under monitorTimeout: Duration) -> Duration {
        max(monitorTimeout - .milliseconds(100), monitorTimeout / 2)
    }

    package var key: String { "\(service):responseTime" }
    package var displayName: String { service }

    package init(
        service: String,
        url: URL,
        httpClient: HTTPClient,
        timeout: Duration = timeout(under: HealthMonitor.defaultTimeout),
        severity: HealthStatus = .warn
    ) {
        self.service = service
        self.url = url
        self.httpClient = httpClient
        self.timeout = timeout
        self.severity = severity
    }

    package func check() async -> HealthCheckResult {
        var result = await measure {
            let response: HTTPClientResponse
            var request = HTTPClientRequest(url: url.absoluteString)
            if let id = RequestID.current { request.headers.add(name: "X-Request-ID", value: id) }
            do {
                response = try await httpClient.execute(request, timeout: .init(timeout))
            } catch {
                throw HealthProbeError(
                    "\(service) unreachable: \(ConnectionFailure.known(error, timeout: timeout) ?? "connection failed")",
                    detail: "\(service) unreachable: \(ConnectionFailure.describe(error, timeout: timeout))")
            }
            guard response.status == .ok else {
                let body = try? await response.body.collect(upTo: 256 * 1024)
                let reasons = body.flatMap { HealthReport.decode(Data($0.readableBytesView)) }?.reasons ?? []
                let why = reasons.isEmpty ? "HTTP \(response.status.code)" : reasons.joined(separator: "; ")
                throw HealthProbeError("\(service) not ready: \(why)")
            }
        }
        if result.status == .fail { result.status = severity }
        return result
    }
}
