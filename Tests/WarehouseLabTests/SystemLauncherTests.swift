import Foundation
import Testing
import WarehouseLab

@Suite("SystemLauncher")
struct SystemLauncherTests {
    /// `--system-executable` runs an older build's system for a before/after comparison; a build from
    /// before the backup vendor existed refuses `--backup-vendor-port`. The stand-in in place of
    /// `warehouse` records what it was given and exits, as a build refusing a flag would.
    @Test("a stand-in's port is passed only when the stand-in is asked for")
    func standInPortOnlyWhenItRuns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("launcher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let recorded = directory.appendingPathComponent("arguments")
        let executable = directory.appendingPathComponent("warehouse")
        try "#!/bin/sh\necho \"$@\" >> '\(recorded.path)'\nexit 2\n".write(to: executable, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executable.path)

        let http = LabHTTP()
        for arguments in [[], ["--backup-vendor"]] {
            await #expect(throws: LabError.self) {
                _ = try await SystemLauncher.start(
                    executable: executable, arguments: arguments, http: http,
                    dataDirectory: directory.appendingPathComponent("data"))
            }
        }
        await http.shutdown()
        let lines = try String(contentsOf: recorded, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("--order-port") && $0.contains("--inventory-port") })
        #expect(!lines[0].contains("--backup-vendor-port"), "\(lines[0])")
        #expect(lines[1].contains("--backup-vendor-port"), "\(lines[1])")
    }
}
