import AsyncHTTPClient
import Foundation
import NIOCore
import WarehouseKit

/// The health tiles of the page: for each service its status and, when it does not pass, the reasons
/// a person can act on (the outputs of its checks that did not pass, worst first).
package struct HealthOverview: Codable, Sendable, Equatable {
    package struct Tile: Codable, Sendable, Equatable {
        package var name: String
        package var status: HealthStatus
        /// The HTTP status of the service's `/health`; absent when it could not be asked.
        package var httpStatus: Int?
        package var reasons: [String]
        /// How long the console waited for the answer.
        package var responseTimeMs: Double

        package init(name: String, status: HealthStatus, httpStatus: Int?, reasons: [String], responseTimeMs: Double) {
            self.name = name
            self.status = status
            self.httpStatus = httpStatus
            self.reasons = reasons
            self.responseTimeMs = responseTimeMs
        }

        /// Reads a service's `/health` answer. An answer that is not a health report is a `fail`.
        package init(name: String, httpStatus: Int, body: Data, responseTimeMs: Double) {
            let report = HealthReport.decode(body)
            self.init(
                name: name,
                status: report?.status ?? .fail,
                httpStatus: httpStatus,
                reasons: report.map(\.reasons) ?? ["\(name) answered HTTP \(httpStatus) without a health report"],
                responseTimeMs: responseTimeMs
            )
        }

        /// The console's own report.
        package init(name: String, report: HealthReport, responseTimeMs: Double) {
            self.init(
                name: name, status: report.status, httpStatus: report.status == .fail ? 503 : 200,
                reasons: report.reasons, responseTimeMs: responseTimeMs)
        }
    }

    package var services: [Tile]

    package init(services: [Tile]) {
        self.services = services
    }

    /// Asks every upstream's `/health` at once (each within `timeout`) and adds the console's own report.
    package static func gather(
        upstreams: [ServiceEndpoint],
        console: HealthMonitor,
        httpClient: HTTPClient,
        timeout: Duration
    ) async -> HealthOverview {
        async let own: Tile = {
            let started = ContinuousClock.now
            let report = await console.report()
            return Tile(name: ServiceName.console.rawValue, report: report, responseTimeMs: (ContinuousClock.now - started).milliseconds)
        }()
        let tiles = await upstreams.concurrentMap { upstream in await tile(of: upstream, httpClient: httpClient, timeout: timeout) }
        return HealthOverview(services: tiles + [await own])
    }

    static func tile(of upstream: ServiceEndpoint, httpClient: HTTPClient, timeout: Duration) async -> Tile {
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: upstream.url(path: "/health"))
        if let id = RequestID.current { request.headers.add(name: "X-Request-ID", value: id) }
        do {
            let response = try await httpClient.execute(request, timeout: .init(timeout))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return Tile(
                name: upstream.name.rawValue, httpStatus: Int(response.status.code), body: Data(body.readableBytesView),
                responseTimeMs: (ContinuousClock.now - started).milliseconds)
        } catch {
            return Tile(
                name: upstream.name.rawValue, status: .fail, httpStatus: nil,
                reasons: ["\(upstream.name) unreachable: \(ConnectionFailure.describe(error, timeout: timeout))"],
                responseTimeMs: (ContinuousClock.now - started).milliseconds)
        }
    }
}
