import BackupVendorAPI
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import WarehouseKit

/// Settings of the simulated vendor.
package struct BackupVendorConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = ServiceName.backupVendor.descriptor.defaultPort
    /// Where it keeps what accounts upload.
    package var storeDirectory: URL
    /// The one credential it knows; every account call needs it.
    package var token: AdminToken
    /// Whether `PUT /admin/clock` may move its clock (tests).
    package var settableClock = false
    package var maximumPackBytes: Int64 = 1 << 30
    /// The longest `/health` waits for its check of the store.
    package var healthTimeout = HealthMonitor.defaultTimeout

    package init(storeDirectory: URL, token: AdminToken) {
        self.storeDirectory = storeDirectory
        self.token = token
    }
}

/// The simulated old-school backup vendor: it keeps what each account uploads and hands it back, and
/// takes one upload per account per UTC day by its own clock, answering a second with 429 and
/// `Retry-After`. It never sees what it keeps: packs arrive sealed.
package struct BackupVendorService: Sendable {
    package let configuration: BackupVendorConfiguration
    package let store: VendorStore
    package let clock: VendorClock
    package let health: HealthMonitor
    package let registry: PrometheusCollectorRegistry
    package let metrics: VendorMetrics
    package let logger: Logger

    package init(configuration: BackupVendorConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.store = try VendorStore(directory: configuration.storeDirectory)
        self.clock = VendorClock(settable: configuration.settableClock)
        self.health = HealthMonitor(
            serviceId: ServiceName.backupVendor.rawValue, indicators: [StoreHealthIndicator(directory: configuration.storeDirectory)],
            timeout: configuration.healthTimeout)
        self.registry = PrometheusCollectorRegistry()
        self.metrics = VendorMetrics(registry: registry)
        self.logger = logger
    }

    package func makeRouter() throws -> Router<BasicRequestContext> {
        let builder = ServiceRouterBuilder(
            name: ServiceName.backupVendor.rawValue, health: health, openAPIDocument: BackupVendorAPIDocument.load(), registry: registry)
        return try builder.makeRouter { routes in
            let handler = VendorAPIHandler(
                store: store, clock: clock, metrics: metrics, maximumPackBytes: configuration.maximumPackBytes, logger: logger)
            try handler.registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AdminAuthMiddleware(
                        token: configuration.token,
                        operations: ["listPacks", "uploadPack", "downloadPack", "getClock", "setClock"]),
                    OctetStreamMiddleware(operations: ["uploadPack"]),
                    UnescapedHeadersMiddleware(.contentDigest),
                    RequestBodyMiddleware(schemas: Self.bodySchemas),
                ]
            )
        }
    }

    /// The JSON request bodies; they mirror `openapi.yaml`.
    static let bodySchemas: [String: BodySchema] = [
        "setClock": .object(required: [
            (
                "now",
                .string(
                    minLength: 1, maxLength: 64, pattern: { ISO8601FormatStyleTranscoder.isDate($0) },
                    patternText: "an ISO 8601 date-time")
            )
        ])
    ]

    package func makeApplication() throws -> some ApplicationProtocol {
        Application(
            router: try makeRouter(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "warehouse-backup-vendor"),
            logger: logger
        )
    }
}

/// Refuses an upload whose body is not `application/octet-stream` (415), before it is read.
struct OctetStreamMiddleware: ServerMiddleware {
    let operations: Set<String>

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if operations.contains(operationID) {
            let contentType = request.headerFields[.contentType]
            let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/octet-stream" else { throw VendorError.notOctetStream(contentType) }
        }
        return try await next(request, body, metadata)
    }
}

/// The vendor's OpenAPI document (this target holds the file; BackupVendorAPI links to it to generate code).
enum BackupVendorAPIDocument {
    static func load() -> Data? {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }
}
