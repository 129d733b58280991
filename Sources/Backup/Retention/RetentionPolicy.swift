import Foundation

/// Which restore points to keep, the way restic's `forget --keep-hourly/--keep-daily/--keep-monthly`
/// decides: walking from the newest, the newest restore point of each of the last `hourly` hours that
/// have one, of the last `daily` days, and of the last `monthly` months (UTC). The newest restore point
/// is always kept, and so is every one the vendor has not confirmed yet.
package struct RetentionPolicy: Sendable, Equatable, CustomStringConvertible {
    package var hourly: Int
    package var daily: Int
    package var monthly: Int

    /// One a day for a month, one an hour for two days, one a month for a year.
    package static let standard = RetentionPolicy(hourly: 48, daily: 30, monthly: 12)

    package init(hourly: Int, daily: Int, monthly: Int) {
        self.hourly = hourly
        self.daily = daily
        self.monthly = monthly
    }

    /// `hourly=48,daily=30,monthly=12`; a kind left out keeps none.
    package init?(_ text: String) {
        var values: [String: Int] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, ["hourly", "daily", "monthly"].contains(pair[0]), values[pair[0]] == nil,
                let count = Int(pair[1]), (0...100_000).contains(count)
            else { return nil }
            values[pair[0]] = count
        }
        guard !values.isEmpty else { return nil }
        self.init(hourly: values["hourly"] ?? 0, daily: values["daily"] ?? 0, monthly: values["monthly"] ?? 0)
    }

    package var description: String { "hourly=\(hourly),daily=\(daily),monthly=\(monthly)" }

    /// The ids of the restore points to keep among `points`; `protected` ones are kept whatever the policy.
    package func keep(_ points: [RestorePoint], protected: Set<String> = []) -> Set<String> {
        let newestFirst = points.sorted { ($0.time, $0.id) > ($1.time, $1.id) }
        var kept = Set(points.filter { protected.contains($0.id) }.map(\.id))
        if let newest = newestFirst.first { kept.insert(newest.id) }
        let buckets: [(count: Int, components: Set<Calendar.Component>)] = [
            (hourly, [.year, .month, .day, .hour]), (daily, [.year, .month, .day]), (monthly, [.year, .month]),
        ]
        for (count, components) in buckets where count > 0 {
            var lastBucket: DateComponents?
            var taken = 0
            for point in newestFirst {
                let bucket = Calendar.utc.dateComponents(components, from: point.time)
                guard bucket != lastBucket else { continue }
                lastBucket = bucket
                kept.insert(point.id)
                taken += 1
                if taken == count { break }
            }
        }
        return kept
    }
}

/// What a prune removed.
package struct PruneReport: Sendable {
    package var keptRestorePoints = 0
    package var removedRestorePoints: [String] = []
    package var removedBlobs = 0
    package var freedBytes: Int64 = 0
}

/// Applies a retention policy: forgets the restore points it does not keep, then deletes every chunk no
/// remaining restore point needs. Restore points first, so a crash between the two leaves unneeded
/// chunks (the next prune takes them), never a restore point without its chunks. Call under the
/// repository's exclusive lock.
package struct Pruner {
    package let repository: BackupRepository

    package init(repository: BackupRepository) {
        self.repository = repository
    }

    package func prune(_ policy: RetentionPolicy, protected: Set<String>) throws -> PruneReport {
        repository.chunks.removeLeftovers()
        let points = try repository.restorePoints()
        let keep = policy.keep(points, protected: protected)
        var report = PruneReport(keptRestorePoints: keep.count)
        for point in points where !keep.contains(point.id) {
            try repository.removeRestorePoint(id: point.id)
            report.removedRestorePoints.append(point.id)
        }
        try DurableFile.syncDirectory(repository.snapshotsDirectory)
        // Everything the kept restore points need; if any of it cannot be read, nothing is deleted.
        let codec = try ChunkCodec()
        var needed = Set<ChunkID>()
        for point in points where keep.contains(point.id) {
            needed.formUnion(try repository.blobs(of: point, codec: codec))
        }
        for id in try repository.chunks.ids() where !needed.contains(id) {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: repository.chunks.url(of: id).path))?[.size] as? Int ?? 0
            try repository.chunks.remove(id)
            report.removedBlobs += 1
            report.freedBytes += Int64(size)
        }
        try repository.chunks.flush()
        return report
    }
}
