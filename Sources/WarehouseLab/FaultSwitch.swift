import Foundation
import WarehouseKit

/// Turns a chaos run's faults off at its end, and keeps them off while it is measured.
///
/// A run-time change (`PUT /admin/chaos`) lasts only until the process restarts: its start flags apply
/// again. A crash decided before the change can still restart inventory, and the new process would
/// strike again, each crash restarting it once more (a 10,000-order run went on crashing inventory
/// for half a minute after its faults were "off"). So the switch watches each process's pid and turns
/// its faults off again whenever it comes back as a new process, until it is cancelled.
///
/// Each process is switched at its own address: with replicas, a change sent through the balancer would
/// reach only one of them.
struct FaultSwitch: Sendable {
    let system: SystemLauncher
    let token: String
    let http: LabHTTP
    /// The processes that inject faults, as `up` names them: `inventory` and `order`, or each replica
    /// (`inventory-1`, `inventory-2`, …).
    let instances: [String]

    /// Turns every fault off, waiting while a killed process is still coming back, and returns the task
    /// that keeps them off; cancel it once the run is measured.
    func turnOff() async throws -> Task<Void, Never> {
        try await system.waitUntilReady(timeout: .seconds(60))
        var switched: [String: Int32] = [:]
        for instance in instances {
            let pid = system.pid(of: instance)
            try await turnOff(instance, giveUp: .now + .seconds(60))
            switched[instance] = pid
        }
        return Task { [switched] in
            var switched = switched
            while !Task.isCancelled {
                for instance in instances {
                    guard let pid = system.pid(of: instance), pid != switched[instance] else { continue }
                    if (try? await turnOff(instance, giveUp: .now + .seconds(10))) != nil { switched[instance] = pid }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// `PUT /admin/chaos` with no fault to one process, until it is answered 200 or `giveUp` passes.
    private func turnOff(_ instance: String, giveUp: ContinuousClock.Instant) async throws {
        while true {
            if let base = system.url(ofInstance: instance),
                (try? await http.send(.PUT, base + "/admin/chaos", json: Data("{}".utf8), headers: [("Authorization", "Bearer \(token)")]))?
                    .status == 200
            {
                return
            }
            guard ContinuousClock.now < giveUp, !Task.isCancelled else { throw LabError.unexpected("could not turn chaos off at \(instance)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
