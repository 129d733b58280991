import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The steps of a ship, by name. A test can make the backup process kill itself (SIGKILL, as `kill -9`
/// would) on reaching one, through `WAREHOUSE_BACKUP_CRASH_AT=<step>`; nothing else reads it.
package enum ShipStep: String, Sendable, CaseIterable {
    /// The pack is built; no ledger line written yet.
    case afterPack = "after-pack"
    /// The intent is synced; the call has not started.
    case afterIntent = "after-intent"
    /// The vendor has answered (it stored the pack); the answer has not been read.
    case duringCall = "during-call"
    /// The answer is read; its outcome is not written yet.
    case afterAnswer = "after-answer"
    /// The outcome is synced; the pack file is not cleaned up yet.
    case afterOutcome = "after-outcome"
}

/// Where a process should stop itself, if anywhere.
package struct CrashPoint: Sendable {
    package static let environmentKey = "WAREHOUSE_BACKUP_CRASH_AT"
    package let step: ShipStep?

    package init(_ step: ShipStep?) {
        self.step = step
    }

    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CrashPoint {
        CrashPoint(environment[environmentKey].flatMap(ShipStep.init(rawValue:)))
    }

    /// Kills this process with SIGKILL when `step` is the one named: no cleanup, no flush, as a power cut
    /// or `kill -9` would leave it.
    package func reach(_ step: ShipStep) {
        guard step == self.step else { return }
        FileHandle.standardError.write(Data("crash point \(step.rawValue): killing this process\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
