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
    /// Who may reach it, as every service: allowed hosts and origins and the connection limits. Its
    /// credentials are its own: the account token is its admin (every account call needs it), and it
    /// knows no service token, since no warehouse service calls it as one.
    package var edge: EdgePolicy
    /// Whether `PUT /admin/clock` may move its clock (tests).
    package var settableClock = false
    package var maximumPackBytes: Int64 = 1 << 30
    /// The longest `/health` waits for its check of the store.
    package var healthTimeout = HealthMonitor.defaultTimeout

    package init(storeDirectory: URL, token: BearerToken, edge: EdgePolicy = EdgePolicy()) {
        self.storeDirectory = storeDirectory
        self.edge = edge
        self.edge.credentials = Self.credentials(token)
    }

    /// The one credential it knows; every account call needs it.
    package var token: BearerToken {
        get { edge.credentials.admin }
        set { edge.credentials = Self.credentials(newValue) }
    }

    /// `token` as the admin's, and a service token nobody knows: the install's service token opens nothing here.
    static func credentials(_ token: BearerToken) -> Credentials {
        Credentials(admin: token, service: .unguessable())
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
        let edge = configuration.edge
        let builder = ServiceRouterBuilder(
            name: ServiceName.backupVendor.rawValue, health: health, edge: edge, openAPIDocument: BackupVendorAPIDocument.load(),
            registry: registry)
        return try builder.makeRouter { routes in
            let handler = VendorAPIHandler(
                store: store, clock: clock, metrics: metrics, maximumPackBytes: configuration.maximumPackBytes, logger: logger)
            try handler.registerHandlers(
                on: routes,
                configuration: .warehouse,
                middlewares: [
                    AuthorizationMiddleware(credentials: edge.credentials, rules: Self.access),
                    OctetStreamMiddleware(operations: ["uploadPack"]),
                    UnescapedHeadersMiddleware(.contentDigest),
                    RequestBodyMiddleware(schemas: Self.bodySchemas),
                ]
            )
        }
    }

    /// Who may call what: every account call and the clock need the account token (the vendor's admin);
    /// only the platform routes (health, metrics, the document) are open.
    package static let access: [String: Access] = [
        "listPacks": .admin, "uploadPack": .admin, "downloadPack": .admin, "getClock": .admin, "setClock": .admin,
    ]

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
        configuration.edge.application(
            router: try makeRouter(), host: configuration.host, port: configuration.port, serverName: "warehouse-backup-vendor",
            services: [], logger: logger)
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
