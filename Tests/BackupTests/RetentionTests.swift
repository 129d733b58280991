import Backup
import Foundation
import Testing
import WarehouseTestSupport

@Suite("Retention and pruning", .timeLimit(.minutes(5)))
struct RetentionTests {
    /// One restore point every 15 minutes for `hours` hours from 2026-12-01 00:00 UTC.
    static func quarterHourly(hours: Int) -> [RestorePoint] {
        (0..<hours * 4).map { index in
            let time = Date(timeIntervalSince1970: 1_796_083_200 + Double(index) * 900)
            return RestorePoint(id: RestorePoint.makeID(time: time), time: time, host: "h", databases: [])
        }
    }

    @Test("hourly keeps the newest of each of the last N hours; daily and monthly likewise; the newest always")
    func policy() {
        let points = Self.quarterHourly(hours: 72)
        let byID = Dictionary(uniqueKeysWithValues: points.map { ($0.id, $0) })
        let hourly = RetentionPolicy(hourly: 5, daily: 0, monthly: 0).keep(points)
        #expect(hourly.count == 5)
        #expect(hourly.map { byID[$0]!.time }.allSatisfy { Calendar.utc.component(.minute, from: $0) == 45 })
        #expect(hourly.contains(points.last!.id))

        let daily = RetentionPolicy(hourly: 0, daily: 30, monthly: 0).keep(points)
        #expect(daily.count == 3)
        let both = RetentionPolicy(hourly: 24, daily: 30, monthly: 12).keep(points)
        #expect(both.count == 24 + 2)
        let nothing = RetentionPolicy(hourly: 0, daily: 0, monthly: 0).keep(points)
        #expect(nothing == [points.last!.id])
    }

    @Test("restore points the vendor has not confirmed are kept whatever the policy")
    func protectedKept() {
        let points = Self.quarterHourly(hours: 10)
        let unshipped = Set(points.suffix(8).map(\.id))
        let kept = RetentionPolicy(hourly: 1, daily: 0, monthly: 0).keep(points, protected: unshipped)
        #expect(kept == unshipped)
    }

    @Test("the policy is written hourly=N,daily=N,monthly=N")
    func parsing() {
        #expect(RetentionPolicy("hourly=24,daily=7,monthly=12") == RetentionPolicy(hourly: 24, daily: 7, monthly: 12))
        #expect(RetentionPolicy("daily=7") == RetentionPolicy(hourly: 0, daily: 7, monthly: 0))
        #expect(RetentionPolicy("weekly=3") == nil)
        #expect(RetentionPolicy("daily=-1") == nil)
        #expect(RetentionPolicy("daily=2,daily=3") == nil)
        #expect(RetentionPolicy("") == nil)
    }

    @Test("pruning deletes the chunks only forgotten restore points needed, and the kept ones still restore")
    func prune() async throws {
        try await withTemporaryDirectory { directory in
            let database = try LiveDatabase(directory: directory)
            let repository = try BackupRepository.scratch(in: directory)
            var points: [RestorePoint] = []
            for hour in 0..<6 {
                try await database.write(400, seed: hour)
                points.append(
                    try await snapshot(
                        database, into: repository, time: Date(timeIntervalSince1970: 1_796_083_200 + Double(hour) * 3600)
                    ).point)
            }
            let before = try repository.chunks.ids().count
            let report = try Pruner(repository: repository).prune(RetentionPolicy(hourly: 2, daily: 0, monthly: 0), protected: [])
            #expect(report.removedRestorePoints == points.prefix(4).map(\.id))
            #expect(report.removedBlobs > 0)
            let reopened = try BackupRepository.open(at: repository.root)
            #expect(try reopened.chunks.ids().count == before - report.removedBlobs)
            #expect(try Verifier(repository: reopened).verify().isWhole)
            for point in try reopened.restorePoints() {
                let target = directory.appendingPathComponent("r-\(point.id)")
                _ = try await Restorer(repository: reopened).restore(point, to: target)
                #expect(try LiveDatabase.sum(of: target.appendingPathComponent("ledger.sqlite")) == LiveDatabase.total)
            }
        }
    }
}
