import Foundation
import NIOCore
import Testing
import WarehouseLab

/// `warehouse up` runs the services on the same cores, so each gets half of them as event loops
/// unless told otherwise; `--event-loops` sets the count for every service.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/task")), .timeLimit(.minutes(5)))
struct EventLoopSystemTests {
    @Test("up gives each service half the cores as event loops, and --event-loops overrides it", arguments: [nil, 3])
    func eventLoopsPerService(_ requested: Int?) async throws {
        let expected = requested ?? max(1, System.coreCount / 2)
        try await SystemLauncher.with(requested.map { ["--event-loops", "\($0)"] } ?? []) { system in
            for child in ["order", "inventory", "console"] {
                let loops = try Self.eventLoopThreads(of: system.requirePID(of: child))
                #expect(loops == expected, "\(child) runs \(loops) event loops")
            }
        }
    }

    /// NIO names the threads of its singleton event-loop group `NIO-SGLTN-<group>-#<loop>`.
    private static func eventLoopThreads(of pid: Int32) throws -> Int {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        return tasks.filter { task in
            let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)
            return name?.hasPrefix("NIO-SGLTN-") == true
        }.count
    }
}
