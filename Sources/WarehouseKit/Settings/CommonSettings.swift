import Foundation

/// The settings every service reads (`warehouse serve <any>`), and `warehouse up` passes on to each.
package enum CommonSettings {
    package static let group = "Every service"
    /// Credentials and who may reach a service.
    package static let securityGroup = "Security"
    /// What keeps slow or idle clients from tying a service up.
    package static let limitsGroup = "Connection limits"
    /// The heading of what only `warehouse up` reads: each service's port, how long it waits.
    package static let systemGroup = "The system"

    package static let host = Setting<String>(
        "host", group: group, default: "127.0.0.1", help: "Address the services listen on.")

    package static let port = Setting<Int?>(
        "port", group: group, default: nil, defaultDescription: "the service's own (order 8080, inventory 8081, notification 8082, console 8090, backup-vendor 8083)",
        rule: .within(1...65_535), perProcess: true,
        help: "Port the service listens on (`warehouse up` takes one per service: --order-port, ...).")

    package static let dataDirectory = Setting<String>(
        "data-dir", group: group, default: "./data",
        help: "Directory of the databases (unless --database-url says otherwise), the admin token and the pid files.")

    package static let durability = Setting<Durability>(
        "durability", group: group, default: .full,
        help: "full: a commit survives a power cut; normal: survives a process crash only.")

    package static let eventLoops = Setting<Int?>(
        "event-loops", group: group, default: nil, defaultDescription: "serve: one per core; up: half the cores each",
        rule: .within(1...256),
        help: "Event-loop threads of each service. The services under `up` share the cores; more loops than cores only add thread switches.")

    package static let naive = Setting<Bool>(
        "naive", group: group, default: false,
        help: "Run the naive design this one replaces (no retries, reconciler or idempotency), for experiments.")

    package static let adminToken = Setting<String?>(
        "admin-token", group: securityGroup, default: nil, defaultDescription: "random, kept in DATA-DIR/admin-token",
        secret: true,
        help: "The token admin endpoints (restock, chaos, health details, every customer's orders) require as `Authorization: Bearer <token>`; at least 32 characters.")

    package static let adminTokenFile = Setting<String?>(
        "admin-token-file", group: securityGroup, default: nil,
        help: "A file holding the admin token, such as a mounted secret; refused when it holds none or other users may read it.")

    package static let serviceToken = Setting<String?>(
        "service-token", group: securityGroup, default: nil, defaultDescription: "random, kept in DATA-DIR/service-token",
        secret: true,
        help: "The token the services show each other (inventory's deductions, the event feeds) as `Authorization: Bearer <token>`; at least 32 characters, and not the admin token.")

    package static let serviceTokenFile = Setting<String?>(
        "service-token-file", group: securityGroup, default: nil,
        help: "A file holding the service token, such as a mounted secret; refused when it holds none or other users may read it.")

    package static let allowedHosts = Setting<HostAllowList>(
        "allowed-hosts", group: securityGroup, default: HostAllowList(),
        help: "Host names a request's Host header may name, comma-separated (`.example.com` also allows its subdomains, `*` any); IP addresses, localhost and names without a dot (service names such as inventory) are always allowed. Any other Host is answered 421, which defeats DNS rebinding.")

    package static let allowedOrigins = Setting<OriginAllowList>(
        "allowed-origins", group: securityGroup, default: OriginAllowList(),
        help: "Origins (scheme://host[:port]) a browser's POST, PUT, PATCH or DELETE may come from besides the service's own, comma-separated; any other Origin is answered 403.")

    package static let customerListing = Setting<CustomerListing>(
        "customer-listing", group: securityGroup, default: .anyone,
        help: "Who may list every customer's orders or notifications at once (GET /orders, /notifications, /deliveries without customerId): anyone, or admin (the admin token). With customerId the lists are open.")

    package static let idleTimeoutMs = Setting<Int>(
        "idle-timeout-ms", group: limitsGroup, default: 60_000, rule: .within(100...3_600_000),
        help: "A connection with no request in progress is closed after this long, in ms; a request's head must also arrive within it.")

    package static let maxConnections = Setting<Int>(
        "max-connections", group: limitsGroup, default: 512, rule: .within(1...1_000_000),
        help: "Open connections at most; past it the service accepts no new connection until one closes (they wait in the listen queue).")

    package static let bodyTimeoutMs = Setting<Int>(
        "body-timeout-ms", group: limitsGroup, default: 10_000, rule: .within(100...600_000),
        help: "The longest a request may take to arrive from its head to its last body byte, in ms; a slower one has its connection closed.")

    package static let shutdownDelayMs = Setting<Int>(
        "shutdown-delay-ms", group: group, default: 0, rule: .within(0...120_000),
        help: "After SIGTERM, how long to keep serving while reporting not ready, in ms: time for a load balancer or a Kubernetes Service to stop sending requests. Then the server stops accepting connections and finishes the requests in flight.")

    package static let chaosSeed = Setting<UInt64>(
        "chaos-seed", group: "Chaos (all off by default)", default: 1,
        help: "The seed of every fraction rule: the same seed and keys hit the same requests.")

    /// Where a service keeps its data; a service that keeps any lists it among its own settings.
    package static let databaseURL = Setting<DatabaseURL?>(
        "database-url", group: group, default: nil, defaultDescription: "sqlite:// and DATA-DIR/<its file> (orders.sqlite, inventory.sqlite, notifications.sqlite)",
        perProcess: true,
        help: "Where the service keeps its data: sqlite:///absolute/path/file.sqlite.")

    /// `--database-url` from a file: a PostgreSQL URL carries its password, which belongs in a mounted
    /// secret, not in the environment every process inspector shows.
    package static let databaseURLFile = Setting<String?>(
        "database-url-file", group: group, default: nil, perProcess: true,
        help: "A file holding the database URL instead of --database-url, such as a mounted secret (the URL carries the password); refused when others may read it.")

    /// Add the demo data to a new database: a service that keeps demo data lists it among its own
    /// settings, and `warehouse up` gives it to every service that does.
    package static let seedDemo = Setting<Bool>(
        "seed-demo", group: group, default: false, perProcess: true,
        help: "Add the demo catalogue to a new inventory database (`warehouse up` always does).")

    package static let all: [any SettingDeclaration] = [
        host, port, dataDirectory, durability, eventLoops, naive, adminToken, adminTokenFile, serviceToken, serviceTokenFile,
        allowedHosts, allowedOrigins, idleTimeoutMs, maxConnections, bodyTimeoutMs, shutdownDelayMs, chaosSeed,
    ]
}

extension Settings {
    /// `--database-url`, else the URL in `--database-url-file`, else the service's own file in `--data-dir`.
    ///
    /// - Throws: `SettingsError` when both are given, or the file is missing, readable by others, or
    ///   holds no database URL (the error never shows what it holds: it may be a password).
    package func databaseURL(of service: ServiceName) throws(SettingsError) -> DatabaseURL {
        let file = self[CommonSettings.databaseURLFile].flatMap { $0.isEmpty ? nil : $0 }
        if let given = self[CommonSettings.databaseURL] {
            guard file == nil else {
                throw .conflict("give --database-url or --database-url-file, not both")
            }
            return given
        }
        if let file { return try Self.databaseURL(inFile: file) }
        guard let file = service.descriptor.databaseFile else {
            preconditionFailure("\(service) keeps no database")
        }
        return DatabaseURL(file: file, in: dataDirectory)
    }

    private static func databaseURL(inFile path: String) throws(SettingsError) -> DatabaseURL {
        let source = CommonSettings.databaseURLFile.flag
        let text: String
        do throws(SecretFileError) {
            text = try SecretFile.readPrivate(path)
        } catch {
            throw .invalid(source, path, error.problem)
        }
        guard let url = DatabaseURL(settingText: text) else {
            throw .invalid(source, path, "does not hold \(DatabaseURL.settingExpectation)")
        }
        return url
    }

    /// `--data-dir` as an absolute directory URL.
    package var dataDirectory: URL {
        URL(fileURLWithPath: self[CommonSettings.dataDirectory], isDirectory: true).standardizedFileURL
    }
}

extension ServiceName {
    /// `--<name>-url`: where a service that depends on this one reaches it (`warehouse up` sets it).
    package var urlSetting: Setting<ServiceURL> {
        Setting(
            "\(rawValue)-url", group: CommonSettings.group,
            default: ServiceURL(SystemAddresses().url(of: self)),
            perProcess: true,
            help: "Base URL of the \(rawValue) service (for the services that call it).")
    }

    /// `--<name>`: whether `warehouse up` runs this stand-in for a service outside the system
    /// (`ServiceDescriptor.isStandIn`).
    package var runSetting: Setting<Bool> {
        Setting(
            rawValue, group: CommonSettings.systemGroup, default: false,
            help: "Also run \(rawValue), a stand-in for a service outside the system: \(descriptor.purpose).")
    }

    /// `--<name>-port`: the port `warehouse up` gives this service.
    package var portSetting: Setting<Int> {
        Setting(
            "\(rawValue)-port", group: CommonSettings.systemGroup, default: descriptor.defaultPort,
            rule: .within(1...65_535), help: "Port of the \(rawValue) service.")
    }
}
