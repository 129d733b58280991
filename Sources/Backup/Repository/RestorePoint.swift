import Foundation
import WarehouseKit

/// One restore point (a snapshot's manifest): the moment it was taken and, for each database, the list
/// blobs that name its chunks in order, with the size and SHA-256 of the whole file to check a restore by.
package struct RestorePoint: Codable, Sendable, Equatable, Identifiable {
    /// What the bytes of a database entry are, and so how a restore checks and loads them.
    package enum Kind: String, Codable, Sendable {
        /// A copy of an SQLite file, restored as the file.
        case sqlite
        /// `pg_dump --format=plain` of the services' schemas in a PostgreSQL database: SQL, loaded with psql.
        case postgresDump = "postgres-dump"
    }

    package struct Database: Codable, Sendable, Equatable {
        /// The file name in the data directory, such as `orders.sqlite`, or the dump's (`PostgresDumper`).
        package var name: String
        /// Restore points written before PostgreSQL was covered have no `kind`: they are SQLite files.
        package var kind: Kind
        package var bytes: Int64
        /// Lowercase hex SHA-256 of the whole file.
        package var sha256: String
        /// The chunk-list blobs, in order (`ChunkList`).
        package var lists: [ChunkID]
        package var chunkCount: Int
        /// When the consistent copy of this database was taken (each database has its own moment).
        package var copiedAt: Date

        package init(
            name: String, kind: Kind = .sqlite, bytes: Int64, sha256: String, lists: [ChunkID], chunkCount: Int, copiedAt: Date
        ) {
            self.name = name
            self.kind = kind
            self.bytes = bytes
            self.sha256 = sha256
            self.lists = lists
            self.chunkCount = chunkCount
            self.copiedAt = copiedAt
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .sqlite
            bytes = try container.decode(Int64.self, forKey: .bytes)
            sha256 = try container.decode(String.self, forKey: .sha256)
            lists = try container.decode([ChunkID].self, forKey: .lists)
            chunkCount = try container.decode(Int.self, forKey: .chunkCount)
            copiedAt = try container.decode(Date.self, forKey: .copiedAt)
        }
    }

    /// `YYYYMMDDTHHMMSSZ-<8 hex>`: sorts by time.
    package var id: String
    /// When the snapshot began: nothing committed after this is in it.
    package var time: Date
    package var host: String
    package var databases: [Database]

    package init(id: String, time: Date, host: String, databases: [Database]) {
        self.id = id
        self.time = time
        self.host = host
        self.databases = databases
    }

    /// Every blob the restore point needs besides the file chunks: its list blobs.
    package var listBlobs: [ChunkID] { databases.flatMap(\.lists) }

    package static func makeID(time: Date) -> String {
        let components = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: time)
        let stamp = String(
            format: "%04d%02d%02dT%02d%02d%02dZ", components.year!, components.month!, components.day!, components.hour!,
            components.minute!, components.second!)
        return stamp + "-" + String(format: "%08x", UInt32.random(in: .min ... .max))
    }

    /// Whether `text` is shaped like an id this type makes (file names, command-line arguments).
    package static func isValidID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, parts[1].count == 8 else { return false }
        let stamp = Array(parts[0].utf8)
        let digits = stamp.indices.filter { $0 != 8 && $0 != 15 }
        return stamp[8] == UInt8(ascii: "T") && stamp[15] == UInt8(ascii: "Z")
            && digits.allSatisfy { (48...57).contains(stamp[$0]) } && ChunkID.isHex(parts[1])
    }

    package func encoded() throws -> Data {
        try RestorePoint.encoder.encode(self)
    }

    package static func decode(_ data: Data, source: String) throws -> RestorePoint {
        do {
            return try decoder.decode(RestorePoint.self, from: data)
        } catch {
            throw BackupError.corruptManifest("\(source) cannot be read (\(error))")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(UTCTimestamp.iso8601(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = BackupTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
            }
            return date
        }
        return decoder
    }()
}

extension Calendar {
    /// The Gregorian calendar in UTC: the hours, days and months of restore points.
    package static var utc: Calendar { UTCDay.calendar }
}
