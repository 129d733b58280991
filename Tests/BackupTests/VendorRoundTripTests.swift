import Backup
import BackupVendor
import Crypto
import Foundation
import HummingbirdTesting
import Logging
import Testing
import WarehouseTestSupport

@Suite("Ship to the vendor over HTTP and restore from its copy alone", .timeLimit(.minutes(5)))
struct VendorRoundTripTests {
    @Test("the newest shipped restore point comes back whole from the vendor's copy and the key alone")
    func vendorOnlyRestore() async throws {
        try await withTemporaryDirectory { directory in
            let machine = directory.appendingPathComponent("machine")
            try FileManager.default.createDirectory(at: machine, withIntermediateDirectories: true)
            let database = try LiveDatabase(directory: machine)
            try await database.write(1500, perTransaction: 100)
            let repositoryURL = machine.appendingPathComponent("backup")
            let repository = try BackupRepository.openOrCreate(at: repositoryURL)
            let key = BackupKey(key: SymmetricKey(size: .bits256))
            var taken: [SnapshotReport] = []
            for round in 0..<3 {
                try await database.write(100, seed: round)
                taken.append(try await snapshot(database, into: repository))
            }
            let snapshots = taken
            let newest = snapshots.last!.point

            try await withVendor(.live) { client, _ in
                let url = URL(string: "http://127.0.0.1:\(client.port!)")!
                let report = try await shipAll(from: repositoryURL, key: key, to: url)
                guard case .stored = report.outcome else { Issue.record("\(report.outcome)"); return }
                #expect(report.restorePoints == 3)

                // The machine is gone: data directory, repository, all of it.
                try FileManager.default.removeItem(at: machine)
                let (copy, imported) = try await vendorCopy(from: url, key: key, into: directory.appendingPathComponent("copy"))
                #expect(imported.packs == 1)
                #expect(try copy.restorePoints().map(\.id) == snapshots.map(\.point.id))
                #expect(try Verifier(repository: copy).verify().isWhole)
                let target = directory.appendingPathComponent("restored")
                let restored = try await Restorer(repository: copy).restore(
                    try RestoreSelector.latest.select(from: copy.restorePoints()), to: target)
                #expect(restored.point.id == newest.id)
                let file = target.appendingPathComponent("ledger.sqlite")
                #expect(try LiveDatabase.sum(of: file) == LiveDatabase.total)
                #expect(try LiveDatabase.entries(of: file) == 1800)

                // Without the key the copy is worth nothing, and says so.
                await #expect(throws: BackupError.self) {
                    try await HTTPBackupVendorClient.with(baseURL: url, token: vendorToken) { vendor in
                        try await VendorImporter(
                            vendor: vendor, account: "acct", key: BackupKey(key: SymmetricKey(size: .bits256))
                        )
                        .importAll(into: directory.appendingPathComponent("wrong-key"))
                    }
                }
            }
        }
    }

    @Test("a call to a vendor nobody serves is not delivered, so it may be made again that day")
    func refusedConnectionIsNotDelivered() async throws {
        let answer = await #expect(throws: VendorCallError.self) {
            try await HTTPBackupVendorClient.with(baseURL: URL(string: "http://127.0.0.1:1")!, token: "t") { vendor in
                try await vendor.listPacks(account: "acct")
            }
        }
        guard case .notDelivered? = answer else { Issue.record("classified as \(String(describing: answer))"); return }
    }
}
