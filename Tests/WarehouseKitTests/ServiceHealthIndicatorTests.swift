import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WarehouseKit

/// The check of another service, against a real HTTP server on a free port.
@Suite("ServiceHealthIndicator", .timeLimit(.minutes(5)))
struct ServiceHealthIndicatorTests {
    static let quiet = Logger(label: "tests") { _ in SwiftLogNoOpLogHandler() }
    /// For checks of a server that answers: the default 700 ms is the product's choice, and a test run
    /// that starves this process for longer would turn "not ready" into "no answer within 700 ms".
    static let patient: Duration = .seconds(30)

    /// Serves `/health/ready` with `status` and a report whose database check has `output`.
    func withService(
        status: HTTPResponse.Status, output: String?, _ body: @Sendable @escaping (URL) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("/health/ready") { _, _ in
            let check = HealthCheckResult(componentType: "datastore", status: output == nil ? .pass : .fail, output: output)
            let report = HealthReport(
                status: check.status, serviceId: "inventory", checks: ["database:responseTime": [check]])
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            return Response(
                status: status, headers: [.contentType: "application/health+json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(report))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Self.quiet)
        try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))/health/ready")!)
        }
    }

    @Test("a ready service passes")
    func passes() async throws {
        try await withService(status: .ok, output: nil) { url in
            let result = await ServiceHealthIndicator(service: "inventory", url: url, httpClient: .shared, timeout: Self.patient).check()
            #expect(result.status == .pass)
            #expect(result.output == nil)
        }
    }

    @Test("a service that is not ready is a warn that says why, in its own words")
    func notReady() async throws {
        try await withService(status: .serviceUnavailable, output: "inventory database: no such table: products") { url in
            let indicator = ServiceHealthIndicator(service: "inventory", url: url, httpClient: .shared, timeout: Self.patient)
            let result = await indicator.check()
            #expect(result.status == .warn)
            #expect(result.output == "inventory not ready: inventory database: no such table: products")
            #expect(indicator.key == "inventory:responseTime")
        }
    }

    @Test("nobody listening is a warn naming the service: connection refused")
    func refused() async throws {
        let indicator = ServiceHealthIndicator(
            service: "inventory", url: URL(string: "http://127.0.0.1:9/health/ready")!, httpClient: .shared)
        let result = await indicator.check()
        #expect(result.status == .warn)
        #expect(result.output == "inventory unreachable: connection refused")
    }

    @Test("the severity is the caller's choice")
    func severity() async throws {
        let indicator = ServiceHealthIndicator(
            service: "inventory", url: URL(string: "http://127.0.0.1:9/health/ready")!, httpClient: .shared, severity: .fail)
        #expect(await indicator.check().status == .fail)
    }
}
