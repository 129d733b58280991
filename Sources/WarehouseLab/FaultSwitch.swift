import Foundation
import WarehouseKit

/// Turns a chaos run's faults off at its end, and keeps them off while it is measured.
///
/// A run-time change (`PUT /admin/chaos`) lasts only until the process restarts: its start flags apply
/// again. A crash decided before the change can still restart inventory, and the new process would
/// strike again, each crash restarting it once more (a 10,000-order run went on crashing inventory
/// for half a minute after its faults were "off"). So the switch watches each service's pid and turns
/// its faults off again whenever it comes back as a new process, until it is cancelled.
struct FaultSwitch: Sendable {
    let system: SystemLauncher
    let token: String
    let http: LabHTTP
    /// The services that inject faults.
    let services: [ServiceName] = [.inventory, .order]

    /// Turns every fault off, waiting while a killed service is still coming back, and returns the task
    /// that keeps them off; cancel it once the run is measured.
    func turnOff() async throws -> Task<Void, Never> {
        try await system.waitUntilReady(timeout: .seconds(60))
        var switched: [ServiceName: Int32] = [:]
        for service in services {
            let pid = system.pid(of: service.rawValue)
            try await turnOff(service, giveUp: .now + .seconds(60))
            switched[service] = pid
        }
        return Task { [switched] in
            var switched = switched
            while !Task.isCancelled {
                for service in services {
                    guard let pid = system.pid(of: service.rawValue), pid != switched[service] else { continue }
                    if (try? await turnOff(service, giveUp: .now + .seconds(10))) != nil { switched[service] = pid }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// `PUT /admin/chaos` with no fault, until it is answered 200 or `giveUp` passes.
    private func turnOff(_ service: ServiceName, giveUp: ContinuousClock.Instant) async throws {
        let url = system.url(of: service) + "/admin/chaos"
        while (try? await http.send(.PUT, url, json: Data("{}".utf8), headers: [("Authorization", "Bearer \(token)")]).status) != 200 {
            guard ContinuousClock.now < giveUp, !Task.isCancelled else { throw LabError.unexpected("could not turn chaos off at \(url)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
