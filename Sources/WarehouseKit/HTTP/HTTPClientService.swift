import AsyncHTTPClient
import ServiceLifecycle

/// Shuts an `HTTPClient` down when the service group stops, after the services that use it.
package struct HTTPClientService: Service {
    package let client: HTTPClient

    package init(client: HTTPClient) {
        self.client = client
    }

    package func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
