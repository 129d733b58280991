/// The services of the system. A service's name is its `warehouse serve` argument, the `serviceId` of its
/// health reports, the label of its log lines, and the stem of its `--<name>-port` and `--<name>-url`
/// settings.
package enum ServiceName: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case order, inventory, notification, console
    case backupVendor = "backup-vendor"

    package var description: String { rawValue }

    /// What the system declares about this service.
    package var descriptor: ServiceDescriptor { SystemDeclaration.descriptor(self) }
}
