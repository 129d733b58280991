import ArgumentParser
import Backup
import Foundation

/// `warehouse backup verify`: re-reads every chunk and checks it against its hash.
struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read every chunk and check it against its hash; exit 1 when any restore point is damaged.",
        discussion: "With --from vendor: download every pack, authenticate it with the key, then check it the same way."
    )

    @OptionGroup var source: BackupSourceOptions

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let report = try await source.withRepository { repository, _ in try Verifier(repository: repository).verify() }
        if json {
            print(
                JSONReport.encode([
                    "whole": report.isWhole, "restorePoints": report.restorePoints, "blobsChecked": report.blobsChecked,
                    "bytesChecked": report.bytesChecked, "problems": report.problems,
                    "damagedRestorePoints": report.damagedRestorePoints,
                ]))
        } else {
            for problem in report.problems { print("problem: \(problem)") }
            print(
                "\(report.isWhole ? "whole" : "DAMAGED"): \(report.blobsChecked) chunks (\(formatBytes(report.bytesChecked))) "
                    + "checked, \(report.restorePoints) restore points, \(report.damagedRestorePoints.count) damaged")
        }
        if !report.isWhole { throw ExitCode(1) }
    }
}
