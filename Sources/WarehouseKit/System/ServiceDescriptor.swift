/// What the rest of the system knows about one service: its name, where it listens unless told
/// otherwise, whose URLs it needs, what it keeps and what it is for. `SystemDeclaration` lists them.
///
/// How a service is built is the command line's part (`ServiceDefinition`, looked up by name), since
/// only the command line links every service's library; how it is probed is the same for every
/// service (`ReadinessProbe`: `GET /health/ready` answers 200 with the service's own `serviceId`).
package struct ServiceDescriptor: Sendable, Equatable {
    package let name: ServiceName
    package let defaultPort: Int
    /// The services it calls: each is given to it as `--<name>-url` (and `warehouse up` starts them first).
    package let dependencies: [ServiceName]
    /// Services that must be ready before `warehouse up` first starts this one (a reader of their event
    /// feed); its restarts wait for nothing, and nothing ever waits for it.
    package let startsAfter: [ServiceName]
    /// Its database under the data directory (`orders.sqlite`), when it keeps one: the default of its
    /// `--database-url`.
    package let databaseFile: String?
    /// The schema it keeps its tables in on PostgreSQL (`orders`), unless its URL names one: what a
    /// restore point of a PostgreSQL database dumps.
    package let postgresSchema: String?
    /// What it is for, in a line (the services table, the start-up banner).
    package let purpose: String
    /// The page a person opens: the start-up banner points at it.
    package let isHumanWindow: Bool
    /// A stand-in for a service outside the system (the simulated backup vendor): `warehouse up` runs it
    /// only when given `--<name>`, no service calls it, and the system is up without it.
    package let isStandIn: Bool

    package init(
        name: ServiceName,
        defaultPort: Int,
        dependencies: [ServiceName] = [],
        startsAfter: [ServiceName] = [],
        databaseFile: String? = nil,
        postgresSchema: String? = nil,
        purpose: String,
        isHumanWindow: Bool = false,
        isStandIn: Bool = false
    ) {
        self.name = name
        self.defaultPort = defaultPort
        self.dependencies = dependencies
        self.startsAfter = startsAfter
        self.databaseFile = databaseFile
        self.postgresSchema = postgresSchema
        self.purpose = purpose
        self.isHumanWindow = isHumanWindow
        self.isStandIn = isStandIn
    }
}
