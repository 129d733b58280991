import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// The backups of `warehouse up`: at every multiple of `interval` on the clock (with 15 minutes: :00,
/// :15, :30, :45 UTC), a restore point (`warehouse backup snapshot`), then `warehouse backup ship`, which
/// calls the vendor at most once a UTC day and only when it has something to carry.
///
/// Each runs as a child process of this same executable, at low CPU priority: a crash of one costs
/// that run, nothing else; SIGTERM on shutdown ends one still running (a snapshot cut short leaves no
/// restore point, and a ship's ledger is made for exactly that).
struct BackupScheduler: Service {
    let interval: Duration
    let snapshot: [String]
    /// Added to the snapshot child's environment (the PostgreSQL database's URL, password and all).
    var snapshotEnvironment: [String: String] = [:]
    /// Nil when no vendor is configured: restore points then stay local.
    let ship: [String]?
    let logger: Logger

    func run() async throws {
        logger.info(
            "backups scheduled",
            metadata: ["every_s": "\(interval.components.seconds)", "ship": "\(ship == nil ? "off (no vendor token)" : "daily")"])
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(until: nextRun(), clock: .continuous)
                } catch {
                    return
                }
                await runChild(snapshot, environment: snapshotEnvironment)
                if let ship { await runChild(ship) }
            }
        }
    }

    /// The next instant on the clock that is a multiple of the interval.
    private func nextRun() -> ContinuousClock.Instant {
        let now = Date().timeIntervalSince1970
        let step = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let next = (now / step).rounded(.down) * step + step
        return .now + .milliseconds(Int64(((next - now) * 1000).rounded(.up)))
    }

    /// Runs `warehouse <arguments>` to its end; on cancellation sends it SIGTERM and waits for it.
    private func runChild(_ arguments: [String], environment: [String: String] = [:]) async {
        let process = Process()
        process.executableURL = Supervisor.executableURL
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            exited.continuation.yield($0.terminationStatus); exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            logger.error(
                "could not start backup",
                metadata: ["command": "\(arguments.prefix(2).joined(separator: " "))", "error": "\(error)"])
            return
        }
        let pid = process.processIdentifier
        await withTaskCancellationHandler {
            for await status in exited.stream where status != 0 {
                logger.warning(
                    "backup command failed",
                    metadata: ["command": "\(arguments.prefix(2).joined(separator: " "))", "status": "\(status)"])
            }
        } onCancel: {
            kill(pid, SIGTERM)
        }
    }
}
