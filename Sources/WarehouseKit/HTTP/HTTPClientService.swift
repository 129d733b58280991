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

extension HTTPClient {
    /// A client for one service's calls to the others (health checks, the console's requests): a
    /// 500 ms connect timeout, `connectionsPerHost` kept-alive connections per service, and no retries
    /// of a refused connection of its own. Its built-in retries back off up to a minute: they kept the
    /// order service's calls failing long after inventory was back (the chaos experiment found this),
    /// and held the console's "nobody listens" back until the connect timeout. Retrying is the
    /// callers' job. Whoever makes it shuts it down (`HTTPClientService`).
    package static func forServices(connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(500))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
