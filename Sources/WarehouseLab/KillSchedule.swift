import Foundation
import Logging
import Synchronization
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// Kills processes with SIGKILL at fixed points of the workload: when order number k is about to be
/// sent, so the same run kills at the same place every time; `warehouse up` restarts them.
///
/// A service with replicas loses one at a time, in turn: its first kill strikes `order-1`, its second
/// `order-2`, its third `order-1` again, so every replica is killed and the others keep serving.
package final class KillSchedule: Sendable {
    /// The process to kill before each planned order (by its index in the workload).
    package let plan: [Int: String]
    private let started = ContinuousClock.now
    private let state = Mutex<(log: [String], lastPid: [String: Int32])>(([], [:]))

    /// - Parameters:
    ///   - kills: for each service, where in the workload to kill it, as fractions of it.
    ///   - replicas: how many processes each service runs, and so their names.
    ///   - total: the workload's orders.
    package init(_ kills: [(service: ServiceName, at: [Double])], replicas: ReplicaCounts = ReplicaCounts(), total: Int) {
        var plan: [Int: String] = [:]
        for (service, fractions) in kills {
            let instances = replicas.instances(of: service)
            for (turn, fraction) in fractions.sorted().enumerated() {
                plan[min(total - 1, max(0, Int((Double(total) * fraction).rounded())))] = instances[turn % instances.count]
            }
        }
        self.plan = plan
    }

    /// What was killed, before which order and how long into the workload, in order.
    package var log: [String] { state.withLock { $0.log } }

    /// Kills the process planned for order `index`, if any, once it runs (a restart from an earlier kill
    /// may still be under way).
    func killIfPlanned(before index: Int, system: SystemLauncher, logger: Logger) async {
        guard let instance = plan[index] else { return }
        let previous = state.withLock { $0.lastPid[instance] }
        let giveUp = ContinuousClock.now + .seconds(30)
        var pid = system.pid(of: instance)
        while pid == nil || pid == previous, ContinuousClock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(10))
            pid = system.pid(of: instance)
        }
        guard let pid, pid != previous else { return }
        let killed = kill(pid, SIGKILL) == 0
        let seconds = (ContinuousClock.now - started).milliseconds / 1000
        let line = "kill -9 \(instance) before order \(index + 1), \(String(format: "%.1f", seconds)) s in\(killed ? "" : " (failed)")"
        logger.info("\(line)")
        state.withLock {
            $0.log.append(line)
            $0.lastPid[instance] = pid
        }
    }
}
