import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks whether a service is up: its health endpoint answers 200 with a report of the service expected
/// (its `serviceId`). `ready` asks `GET /health/ready` (its dependencies too), `live` asks
/// `GET /health/live` (the process only).
///
/// The id matters wherever ports are picked before the services bind them (`warehouse up` on free
/// ports, tests and the lab starting several systems at once): a port picked for one system can be
/// taken by another's service a moment earlier, and that one answers 200 too. Seen in a test run, where
/// an order URL was answered by some inventory, and every `POST /orders` got 404.
///
/// `waitUntilUp` is the one polling loop of the code base: the supervisor, `warehouse up`'s banner, the
/// lab's launcher and through it the system tests all wait with it.
package enum ReadinessProbe: String, Sendable {
    case ready
    case live

    /// One probe of `endpoint`.
    package func succeeds(
        for endpoint: ServiceEndpoint,
        client: HTTPClient = .shared,
        timeout: Duration = .seconds(1)
    ) async -> Bool {
        let request = HTTPClientRequest(url: endpoint.url.appendingPathComponent("health/\(rawValue)").absoluteString)
        guard let response = try? await client.execute(request, timeout: TimeAmount(timeout)), response.status == .ok,
            let body = try? await response.body.collect(upTo: 1024 * 1024)
        else { return false }
        return (try? JSONDecoder().decode(Identity.self, from: body).serviceId) == endpoint.name.rawValue
    }

    /// Probes each endpoint in turn until it answers, and returns once all have.
    ///
    /// - Parameters:
    ///   - timeout: the longest it waits for all of them; nil waits until the task is cancelled.
    ///   - stillWorthWaiting: called before every retry; throws to stop waiting (the process that was
    ///     to serve them has exited, say).
    /// - Throws: `ReadinessTimeout`, `CancellationError`, or what `stillWorthWaiting` throws.
    package func waitUntilUp(
        _ endpoints: [ServiceEndpoint],
        timeout: Duration?,
        client: HTTPClient = .shared,
        interval: Duration = .milliseconds(50),
        stillWorthWaiting: () throws -> Void = {}
    ) async throws {
        let giveUp = timeout.map { ContinuousClock.now + $0 }
        for endpoint in endpoints {
            while !(await succeeds(for: endpoint, client: client)) {
                try stillWorthWaiting()
                if let giveUp, let timeout, ContinuousClock.now >= giveUp {
                    throw ReadinessTimeout(service: endpoint.name, url: endpoint.url, after: timeout)
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    private struct Identity: Decodable {
        var serviceId: String
    }
}

/// A service did not come up in time.
package struct ReadinessTimeout: Error, CustomStringConvertible, Equatable {
    package let service: ServiceName
    package let url: URL
    package let after: Duration

    package init(service: ServiceName, url: URL, after: Duration) {
        self.service = service
        self.url = url
        self.after = after
    }

    package var description: String {
        "\(service) at \(url.absoluteString) was not ready after \(Int(after.seconds.rounded())) s"
    }
}
