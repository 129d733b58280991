import AsyncHTTPClient
import Foundation
import NIOCore
import WarehouseKit

/// One webhook request: where, what, and its signature headers.
package struct WebhookRequest: Sendable, Equatable {
    package var url: String
    package var headers: [(String, String)]
    package var body: Data

    package init(url: String, headers: [(String, String)], body: Data) {
        self.url = url
        self.headers = headers
        self.body = body
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.url == rhs.url && lhs.body == rhs.body && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }
}

/// What a receiver made of a webhook request.
package enum WebhookAnswer: Sendable, Equatable {
    case status(Int)
    /// No answer: refused, reset, timed out. The text says which.
    case noAnswer(String)
}

/// Sends webhook requests; `HTTPWebhookSender` over the network, tests supply their own.
package protocol WebhookSender: Sendable {
    func send(_ request: WebhookRequest, timeout: Duration) async -> WebhookAnswer
}

/// Sends webhooks with AsyncHTTPClient. Redirects are not followed: a webhook URL is where it is
/// delivered, and a redirect elsewhere is an answer that is not 2xx.
package struct HTTPWebhookSender: WebhookSender {
    package let httpClient: HTTPClient

    package init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    package static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    package func send(_ request: WebhookRequest, timeout: Duration) async -> WebhookAnswer {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .POST
        outgoing.headers.add(name: "Content-Type", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: "warehouse-notification")
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let response = try await httpClient.execute(outgoing, timeout: .init(timeout))
            // The answer's body is not needed, but reading (a little of) it lets the connection be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return .status(Int(response.status.code))
        } catch {
            return .noAnswer(ConnectionFailure.describe(error, timeout: timeout))
        }
    }
}
