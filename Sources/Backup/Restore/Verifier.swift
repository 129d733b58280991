import Foundation

/// What `verify` found: every chunk re-read and checked against its hash, every restore point's chunks
/// accounted for.
package struct VerifyReport: Sendable {
    package var restorePoints = 0
    package var blobsChecked = 0
    package var bytesChecked: Int64 = 0
    /// One line per problem; empty when the repository is whole.
    package var problems: [String] = []
    /// Restore points that cannot be restored whole, by id.
    package var damagedRestorePoints: [String] = []

    package var isWhole: Bool { problems.isEmpty }
}

/// Re-reads a repository end to end: every stored chunk is decompressed and hashed (a damaged one is
/// reported, never passed over), and every restore point is walked to the chunks it names.
package struct Verifier {
    package let repository: BackupRepository

    package init(repository: BackupRepository) {
        self.repository = repository
    }

    package func verify() throws -> VerifyReport {
        var report = VerifyReport()
        let codec = try ChunkCodec()
        var bad = Set<ChunkID>()
        for id in try repository.chunks.ids().sorted() {
            do {
                let raw = try repository.chunks.read(id, codec: codec, neededBy: "verify")
                report.blobsChecked += 1
                report.bytesChecked += Int64(raw.count)
            } catch let error as BackupError {
                bad.insert(id)
                report.problems.append(error.description)
            }
        }
        let points: [RestorePoint]
        do {
            points = try repository.restorePoints()
        } catch let error as BackupError {
            report.problems.append(error.description)
            return report
        }
        report.restorePoints = points.count
        let present = try repository.chunks.ids()
        for point in points {
            var whole = true
            for database in point.databases {
                for list in database.lists {
                    guard present.contains(list), !bad.contains(list) else {
                        report.problems.append(
                            "restore point \(point.id): list blob \(list) of \(database.name) is missing or corrupt")
                        whole = false
                        continue
                    }
                    let blob = try repository.chunks.read(list, codec: codec, neededBy: point.id)
                    let refs = try ChunkList.refs(in: blob, source: list.hex)
                    let missing = refs.filter { !present.contains($0.id) }.count
                    let corrupt = refs.filter { bad.contains($0.id) }.count
                    if missing + corrupt > 0 {
                        report.problems.append(
                            "restore point \(point.id): \(database.name) needs \(missing) missing and \(corrupt) corrupt chunks")
                        whole = false
                    }
                }
            }
            if !whole { report.damagedRestorePoints.append(point.id) }
        }
        return report
    }
}
