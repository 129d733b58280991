import AsyncHTTPClient
import Foundation
import NIOCore
import WarehouseKit

/// Asks inventory's `/health/ready`. Inventory being down is a `warn` for the order service, not a
/// `fail`: orders are still taken (as pending) and finished when it returns.
package struct InventoryHealthIndicator: HealthIndicator {
    package let key = "inventory:responseTime"
    package let componentType = "component"
    package let baseURL: URL
    package let httpClient: HTTPClient

    package init(baseURL: URL, httpClient: HTTPClient) {
        self.baseURL = baseURL
        self.httpClient = httpClient
    }

    package func check() async -> HealthCheckResult {
        var result = await measure {
            let request = HTTPClientRequest(url: baseURL.appendingPathComponent("health/ready").absoluteString)
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: .milliseconds(700))
            } catch {
                throw InventoryHealthError("inventory unreachable: \(Self.describe(error))")
            }
            guard response.status == .ok else {
                throw InventoryHealthError("inventory not ready: HTTP \(response.status.code)")
            }
        }
        if result.status == .fail { result.status = .warn }
        return result
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return "no answer within 700 ms"
        }
        return text
    }
}

struct InventoryHealthError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
