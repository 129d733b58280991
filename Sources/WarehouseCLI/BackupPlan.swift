import ArgumentParser
import Backup
import Foundation
import WarehouseKit

/// Which databases of a data directory a snapshot copies, and in what order: every service's that keeps
/// one, as the system declares them, followers first (`SystemDeclaration.databasesInCopyOrder`).
///
/// Each copy is consistent on its own, but they are made one after the other. A database that learns
/// from another is copied before it: notification's place in the order feed is then never past the end
/// of the feed in the later copy of `orders.sqlite`, and any deduction an order in that copy was told
/// of is in the later copy of `inventory.sqlite`. The later copies may also hold what came in between,
/// which the restore takes back to the cut (`WarehouseRestoreRepair`).
///
/// When the services keep their data in one PostgreSQL database, the snapshot is one dump of all their
/// schemas (the URL's `?schema=` alone, when it names one), of one moment: nothing to repair.
enum BackupPlan {
    static func sources(in dataDirectory: URL, database: PostgresURL? = nil) throws -> [SnapshotSource] {
        if let database {
            let schemas = database.schema.map { [$0] } ?? SystemDeclaration.databasesInCopyOrder.compactMap(\.postgresSchema)
            return [SnapshotSource(postgres: try PostgresDumper(url: database, schemas: schemas))]
        }
        let sources = SystemDeclaration.databasesInCopyOrder.compactMap(\.databaseFile).map {
            dataDirectory.appendingPathComponent($0)
        }.filter { FileManager.default.fileExists(atPath: $0.path) }.map { SnapshotSource(name: $0.lastPathComponent, url: $0) }
        guard !sources.isEmpty else { throw BackupError.noDatabases(dataDirectory.path) }
        return sources
    }
}

/// `--database-url` of the backup commands: the services' PostgreSQL database, when they run on one.
struct BackupDatabaseOptions: ParsableArguments {
    static let environmentKey = CommonSettings.databaseURL.environmentName

    @Option(
        name: .long,
        help: """
            The services' PostgreSQL database (postgres://user@host:port/database), as given to `up`: restore points \
            dump its schemas instead of copying the data directory's SQLite files. Or WAREHOUSE_DATABASE_URL, the \
            better place for a password (or PGPASSWORD): an argument is visible to every user of the machine.
            """)
    var databaseURL: String?

    func validate() throws {
        if let databaseURL, PostgresURL(databaseURL) == nil {
            throw ValidationError("--database-url must be postgres://user[:password]@host[:port]/database")
        }
    }

    /// The flag's database, else the environment's when it names a PostgreSQL one (an `sqlite://` URL
    /// there is one service's file, as `up` reads it: the data directory's files are backed up then).
    func postgres(environment: [String: String] = ProcessInfo.processInfo.environment) -> PostgresURL? {
        databaseURL.flatMap(PostgresURL.init) ?? environment[Self.environmentKey].flatMap(PostgresURL.init)
    }
}
