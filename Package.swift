// swift-tools-version: 6.2
import PackageDescription

/// Warehouse: the order, inventory and notification services of Valerix and their backups, one executable,
/// one library per service.
///
/// The dependency rule that keeps the services apart: `Order` knows inventory only through
/// `InventoryAPI` (the generated HTTP contract: types and client), never through the `Inventory` library.
/// Code is generated only where it is used: each contract's types (and the one client anybody calls,
/// inventory's) in its API target with `package` access, each service's server stubs inside the service.
let openAPIGenerator: [Target.PluginUsage] = [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]

/// The generator splits the types into files (`Types+Components+Headers.swift`, ...) that each import
/// Foundation's `URL`, `Data` and `Date` and the runtime with the types' access level, used or not, and
/// Swift warns about every such import. Only generated code is compiled in the two API targets, so the
/// warnings are silenced there; the server stubs, generated inside the services with internal access,
/// compile without a warning and without this.
let generatedTypes: [SwiftSetting] = [.unsafeFlags(["-suppress-warnings"])]

let package = Package(
    name: "warehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "warehouse", targets: ["warehouse"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The production backend: PostgreSQL through a pooled client run as a lifecycle service.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The HTTP parts a server channel handler sees (the request read time limit); Hummingbird's own.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // HMAC-SHA256 for webhook signatures. 4.x: the version async-http-client's graph already resolves.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // Tests only: the contract tests read the OpenAPI documents (as the generator does, without its
        // external loading).
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0", traits: []),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Backups: deflate for chunks (zlib), and the transport of the backup vendor's generated client.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.5.0"),
    ],
    targets: [
        // Platform code every service shares: problem+json, request ids, JSON logs, health, admin auth, storage.
        .target(
            name: "WarehouseKit",
            dependencies: [
                "CSpawn",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ]
        ),
        // The inventory HTTP contract: types and the client, generated from openapi.yaml.
        .target(
            name: "InventoryAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: generatedTypes,
            plugins: openAPIGenerator
        ),
        // The order HTTP contract's types, generated the same way.
        .target(
            name: "OrderAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: generatedTypes,
            plugins: openAPIGenerator
        ),
        .target(
            name: "Inventory",
            dependencies: [
                "WarehouseKit", "InventoryAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The contract, served at GET /openapi.yaml; its server stubs are generated here, its types and
            // client in InventoryAPI (from a link to it).
            resources: [.copy("openapi.yaml")],
            plugins: openAPIGenerator
        ),
        .target(
            name: "Order",
            dependencies: [
                "WarehouseKit", "OrderAPI", "InventoryAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // HMAC-SHA256 for order ids derived from idempotency keys under the install's secret.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The contract, served at GET /openapi.yaml; its server stubs are generated here, its types in
            // OrderAPI (from a link to it).
            resources: [.copy("openapi.yaml")],
            plugins: openAPIGenerator
        ),
        // The notification HTTP contract's types, generated the same way.
        .target(
            name: "NotificationAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: generatedTypes,
            plugins: openAPIGenerator
        ),
        // Follows the order feed, keeps customer inboxes, delivers signed webhooks. It knows order only by
        // its events (HTTP), never by the `Order` library.
        .target(
            name: "Notification",
            dependencies: [
                "WarehouseKit", "NotificationAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The contract, served at GET /openapi.yaml; its server stubs are generated here, its types in
            // NotificationAPI (from a link to it).
            resources: [.copy("openapi.yaml")],
            plugins: openAPIGenerator
        ),
        // The simulated backup vendor's HTTP contract: types and the client the backups call it with.
        .target(
            name: "BackupVendorAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: generatedTypes,
            plugins: openAPIGenerator
        ),
        // posix_spawn's closefrom action, which Glibc's module does not export: `SpawnedProcess` starts
        // children without Foundation's `Process`, whose fd scan crashes busy processes now and then.
        .target(name: "CSpawn"),
        // syncfs(2), which Glibc's module does not export: one flush of a snapshot's new chunk files
        // instead of an fsync each.
        .target(name: "CBackupSync"),
        // Backups: consistent snapshots of the live databases, chunked, deduplicated and compressed in a
        // local repository; the daily encrypted pack for the vendor and its crash-safe ledger; restore,
        // verify and retention. It knows the vendor only through BackupVendorAPI, and the services only
        // as database files.
        .target(
            name: "Backup",
            dependencies: [
                "WarehouseKit", "BackupVendorAPI", "CBackupSync",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ]
        ),
        // The simulated backup vendor: one upload per account per UTC day, kept in its own store.
        .target(
            name: "BackupVendor",
            dependencies: [
                "WarehouseKit", "BackupVendorAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The contract, served at GET /openapi.yaml; its server stubs are generated here, its types and
            // client in BackupVendorAPI (from a link to it).
            resources: [.copy("openapi.yaml")],
            plugins: openAPIGenerator
        ),
        // Experiments and loads against a real system, over HTTP only: `warehouse chaos`, `warehouse load`.
        .target(
            name: "WarehouseLab",
            dependencies: [
                "WarehouseKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The human window: one static page and a server-side proxy to order and inventory. It knows
        // them only by their HTTP APIs, never by their libraries.
        .target(
            name: "Console",
            dependencies: [
                "WarehouseKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The page (plain files, no build step) and the console's own contract.
            resources: [.copy("Public"), .copy("openapi.yaml")]
        ),
        // The command line: `up` (supervisor), `serve <service>`, `chaos`, `load`, `backup`.
        .target(
            name: "WarehouseCLI",
            dependencies: [
                "WarehouseKit", "Inventory", "Order", "Notification", "Console", "WarehouseLab", "Backup", "BackupVendor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "warehouse", dependencies: ["WarehouseCLI"]),

        // What several test targets share: a latch, temporary directories, problem bodies.
        .target(
            name: "WarehouseTestSupport", dependencies: ["WarehouseKit", .product(name: "Logging", package: "swift-log")],
            path: "Tests/WarehouseTestSupport"),
        .testTarget(
            name: "WarehouseKitTests",
            dependencies: [
                "WarehouseKit", "WarehouseTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "WarehouseLabTests", dependencies: ["WarehouseLab", "WarehouseKit"]),
        .testTarget(
            name: "InventoryTests",
            dependencies: [
                "Inventory", "InventoryAPI", "WarehouseTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "OrderTests",
            dependencies: [
                "Order", "OrderAPI", "InventoryAPI", "WarehouseTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "NotificationTests",
            dependencies: [
                "Notification", "NotificationAPI", "WarehouseKit", "WarehouseTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "WarehouseKit",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "BackupTests",
            dependencies: [
                "Backup", "BackupVendor", "BackupVendorAPI", "WarehouseKit", "WarehouseTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WarehouseCLITests",
            dependencies: [
                "WarehouseCLI", "WarehouseKit", "WarehouseTestSupport", "Order", "Inventory", "Notification", "Backup", "Console",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The hand-written request body schemas against the OpenAPI documents.
        .testTarget(
            name: "ContractTests",
            dependencies: [
                "Order", "Inventory", "Notification", "WarehouseKit", "WarehouseTestSupport",
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "SystemTests",
            dependencies: [
                "WarehouseKit", "WarehouseLab", "WarehouseTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
