import Foundation
import WarehouseKit

/// Checks the vendor's store for real: a small file is written, synced and removed in it.
struct StoreHealthIndicator: HealthIndicator {
    let directory: URL
    let key = "store:responseTime"
    let componentType = "datastore"
    var displayName: String { "vendor store" }

    func check() async -> HealthCheckResult {
        await measure {
            let probe = directory.appendingPathComponent(".health-\(UInt32.random(in: .min ... .max))")
            defer { try? FileManager.default.removeItem(at: probe) }
            do {
                try Data("ok".utf8).write(to: probe, options: .atomic)
            } catch {
                throw HealthProbeError("vendor store \(directory.path) cannot be written: \(error.localizedDescription)")
            }
        }
    }
}
