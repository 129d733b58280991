import AsyncHTTPClient
import Foundation
import NIOCore
import WarehouseKit

/// Where the console reads one order instance's latency window.
package protocol LatencySource: Sendable {
    /// Order's `GET /stats/latency?seconds=seriesSeconds` at `instance`, within `timeout`.
    ///
    /// - Throws: `ConsoleError` when the instance cannot be reached, is too slow, or answers otherwise.
    func latency(at instance: URL, seriesSeconds: Int, timeout: Duration) async throws(ConsoleError) -> LatencyReport
}

/// Reads it over HTTP.
package struct HTTPLatencySource: LatencySource {
    package let httpClient: HTTPClient
    /// The most of an answer it reads (300 one-second entries are about 20 KiB).
    static let answerLimit = 1024 * 1024

    package init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    package func latency(at instance: URL, seriesSeconds: Int, timeout: Duration) async throws(ConsoleError) -> LatencyReport {
        let name = "order instance \(instance.absoluteString)"
        let request = HTTPClientRequest(url: ServiceEndpoint(name: .order, url: instance).url(path: "/stats/latency", query: "seconds=\(seriesSeconds)"))
        let body: ByteBuffer
        let status: UInt
        do {
            let answer = try await httpClient.execute(request, timeout: .init(timeout))
            status = answer.status.code
            body = try await answer.body.collect(upTo: Self.answerLimit)
        } catch is NIOTooManyBytesError {
            throw .answerTooLarge(service: name)
        } catch {
            throw ConsoleProxy.mapped(error, service: name, timeout: timeout)
        }
        guard status == 200 else { throw .unexpectedAnswer(service: name, reason: "status \(status)") }
        do {
            return try JSONDecoder().decode(LatencyReport.self, from: Data(body.readableBytesView))
        } catch {
            throw .unexpectedAnswer(service: name, reason: "not a latency report")
        }
    }
}
