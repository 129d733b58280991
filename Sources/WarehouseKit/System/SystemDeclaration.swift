/// The system, declared once: every service, where it listens by default and what it depends on.
///
/// `warehouse serve` and `warehouse up`, the lab's `SystemLauncher` (and through it the system tests),
/// `warehouse load`, the console's health tiles and the start-up banner all read this list. Adding a
/// service is a `ServiceName` case, an entry here, and its library with its `ServiceDefinition`.
package enum SystemDeclaration {
    package static let services: [ServiceDescriptor] = [
        ServiceDescriptor(
            name: .order,
            defaultPort: 8080,
            dependencies: [.inventory],
            databaseFile: "orders.sqlite",
            postgresSchema: "orders",
            purpose: "takes orders, validates them, stores them, has inventory deduct their stock, finishes pending ones"
        ),
        ServiceDescriptor(
            name: .inventory,
            defaultPort: 8081,
            databaseFile: "inventory.sqlite",
            postgresSchema: "inventory",
            purpose: "stock levels; deducts stock exactly once per idempotency key"
        ),
        ServiceDescriptor(
            name: .notification,
            defaultPort: 8082,
            dependencies: [.order],
            startsAfter: [.order],
            databaseFile: "notifications.sqlite",
            postgresSchema: "notifications",
            purpose: "follows the order feed: a customer inbox, signed webhooks; never on an order's critical path"
        ),
        ServiceDescriptor(
            name: .console,
            defaultPort: 8090,
            dependencies: [.order, .inventory, .notification],
            purpose: "the human window: catalogue, orders, a customer's notifications, health, chaos switches, the latency dashboard",
            isHumanWindow: true
        ),
        ServiceDescriptor(
            name: .backupVendor,
            defaultPort: 8083,
            purpose: "the old-school backup vendor, simulated; it keeps the packs the backups send, one upload per account per UTC day",
            isStandIn: true
        ),
    ]

    package static func descriptor(_ name: ServiceName) -> ServiceDescriptor {
        // Every case has an entry: `SystemDeclarationTests` checks it.
        services.first { $0.name == name }!
    }

    /// The services whose databases make up the system's data, each before the services it learns from
    /// (the reverse of `startOrder`): notification (which reads order's feed), then order (which is told
    /// inventory's outcomes), then inventory. Copied one after the other in this order, each copy holds
    /// no more than the later ones know of: a follower is never ahead of what it follows.
    package static var databasesInCopyOrder: [ServiceDescriptor] {
        startOrder.reversed().filter { $0.databaseFile != nil }
    }

    /// Every service after the services it depends on: the order in which `warehouse up` waits for them.
    package static var startOrder: [ServiceDescriptor] {
        var ordered: [ServiceDescriptor] = []
        func visit(_ service: ServiceDescriptor, path: Set<ServiceName>) {
            guard !ordered.contains(service) else { return }
            precondition(!path.contains(service.name), "\(service.name) depends on itself through \(path)")
            for dependency in service.dependencies { visit(descriptor(dependency), path: path.union([service.name])) }
            ordered.append(service)
        }
        for service in services { visit(service, path: []) }
        return ordered
    }
}
