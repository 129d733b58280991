import Backup
import Foundation
import Testing
import WarehouseTestSupport

@Suite("Snapshots and restores", .timeLimit(.minutes(5)))
struct SnapshotRestoreTests {
    @Test("a snapshot taken while the database is written is consistent, and restores whole")
    func consistentWhileWritten() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            try await database.write(500, perTransaction: 100)
            let repository = try BackupRepository.scratch(in: directory)
            let points = try await snapshots(3, whileWriting: { try await database.write(3000, seed: 5) }) {
                try await snapshot(database, into: repository)
            }

            for (index, point) in points.enumerated() {
                let target = directory.appendingPathComponent("restored-\(index)")
                let report = try await Restorer(repository: repository).restore(point, to: target)
                let file = target.appendingPathComponent("ledger.sqlite")
                #expect(report.files == [file])
                #expect(try LiveDatabase.sum(of: file) == LiveDatabase.total)
                let entries = try LiveDatabase.entries(of: file)
                #expect((500...3500).contains(entries))
            }
        }
    }

    @Test("a second snapshot after a few writes stores only what changed")
    func deduplicates() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            // 100 to a transaction: 5,000 one by one outran the time limit in a crowded run.
            try await expectSecondSnapshotStoresLittle(write: { try await database.write($0, seed: $1, perTransaction: 100) }) {
                try await snapshot(database, into: repository)
            }
            let unchanged = try await snapshot(database, into: repository)
            #expect(unchanged.newBlobs == 0)
            #expect(try repository.restorePoints().count == 3)
        }
    }

    @Test("a restore never overwrites a database that is there")
    func refusesToOverwrite() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            let point = try await snapshot(database, into: repository).point
            await #expect(throws: BackupError.targetNotEmpty(database.url.path)) {
                _ = try await Restorer(repository: repository).restore(point, to: directory)
            }
        }
    }

    @Test("a corrupted chunk is found by verify, and stops a restore, which leaves no database behind")
    func corruptChunk() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            try await database.write(2000, perTransaction: 100)
            let repository = try BackupRepository.scratch(in: directory)
            let point = try await snapshot(database, into: repository).point
            #expect(try Verifier(repository: repository).verify().isWhole)

            let damaged = try someChunkFile(of: point, in: repository)
            try flipByte(in: damaged)

            let report = try Verifier(repository: BackupRepository.open(at: repository.root)).verify()
            #expect(!report.isWhole)
            #expect(report.damagedRestorePoints == [point.id])
            #expect(report.problems.contains { $0.contains("is corrupt") && $0.contains(damaged.lastPathComponent) })

            let target = directory.appendingPathComponent("restored")
            await #expect {
                _ = try await Restorer(repository: BackupRepository.open(at: repository.root)).restore(point, to: target)
            } throws: { error in
                guard case BackupError.corruptChunk(let id, _) = error else { return false }
                return id.hex == damaged.lastPathComponent
            }
            let left = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }

    @Test("a missing chunk is reported by verify against the restore point that needs it")
    func missingChunk() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            try await database.write(500, perTransaction: 100)
            let repository = try BackupRepository.scratch(in: directory)
            let point = try await snapshot(database, into: repository).point
            try FileManager.default.removeItem(at: try someChunkFile(of: point, in: repository))
            let report = try Verifier(repository: BackupRepository.open(at: repository.root)).verify()
            #expect(report.damagedRestorePoints == [point.id])
            #expect(report.problems.contains { $0.contains("1 missing") })
        }
    }

    @Test("--at picks the newest restore point at or before the instant; ids and latest work too")
    func selection() throws {
        func point(_ id: String, _ seconds: Double) -> RestorePoint {
            RestorePoint(id: id, time: Date(timeIntervalSince1970: seconds), host: "h", databases: [])
        }
        let points = [point("a", 100), point("b", 200), point("c", 300)]
        #expect(try RestoreSelector.latest.select(from: points).id == "c")
        #expect(try RestoreSelector.at(Date(timeIntervalSince1970: 250)).select(from: points).id == "b")
        #expect(try RestoreSelector.at(Date(timeIntervalSince1970: 200)).select(from: points).id == "b")
        #expect(throws: BackupError.self) { try RestoreSelector.at(Date(timeIntervalSince1970: 50)).select(from: points) }
        #expect(RestoreSelector("2026-12-03T10:15:00Z") == .at(Date(timeIntervalSince1970: 1_796_292_900)))
        #expect(RestoreSelector("20261203T101500Z-0badf00d") == .id("20261203T101500Z-0badf00d"))
        #expect(RestoreSelector("yesterday") == nil)
    }
}
