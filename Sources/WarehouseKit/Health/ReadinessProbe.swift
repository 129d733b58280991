import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks whether a service is ready to serve: `GET /health/ready` answers 200, and the report is the
/// one of the service expected (its `serviceId`).
///
/// The id matters wherever ports are picked before the services bind them (`warehouse up` on free
/// ports, tests and the lab starting several systems at once): a port picked for one system can be
/// taken by another's service a moment earlier, and that one answers 200 too. Seen in a test run, where
/// an order URL was answered by some inventory, and every `POST /orders` got 404.
package enum ReadinessProbe {
    package static func isReady(
        _ service: String,
        at baseURL: String,
        client: HTTPClient = .shared,
        timeout: Duration = .seconds(1)
    ) async -> Bool {
        let request = HTTPClientRequest(url: baseURL + "/health/ready")
        guard let response = try? await client.execute(request, timeout: TimeAmount(timeout)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 1024 * 1024)
        else { return false }
        return (try? JSONDecoder().decode(Identity.self, from: body).serviceId) == service
    }

    private struct Identity: Decodable {
        var serviceId: String
    }
}
