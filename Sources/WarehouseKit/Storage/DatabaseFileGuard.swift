import Foundation
import GRDB
import HTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a service's storage is still the one it opened, so that whatever it acknowledges outlives a
/// restart. A backend without a file to lose (a database server) is always intact.
package protocol StorageIntegrity: Sendable {
    /// - Throws: `StorageUnavailable` when what the service writes to is no longer what a restart opens.
    func verify() throws(StorageUnavailable)
}

/// Storage with nothing at a path to lose.
package struct AlwaysIntact: StorageIntegrity {
    package init() {}
    package func verify() throws(StorageUnavailable) {}
}

/// Keeps an SQLite service from acknowledging writes into a file that is no longer the one at its path.
///
/// A database file deleted, moved or replaced under a running service stays open and writable through
/// its descriptor: the service would go on committing (and answering 201) into a file that nobody opens
/// again, and every order of that time would be gone at the next start. So the device and inode the file
/// had when it was opened are compared with those at its path:
/// - before every commit on the service's writer (a transaction observer: a failed check rolls the
///   transaction back, so nothing more goes into the lost file),
/// - and by a request about to acknowledge what it wrote (`verify()`), which covers the moment between
///   a commit and its answer.
/// The service answers 503 from then on, and its `/health` fails with the same reason, until it is
/// restarted on a database it can keep.
package final class DatabaseFileGuard: StorageIntegrity, TransactionObserver {
    package let path: String
    private let service: String
    private let identity: FileIdentity?

    package init(path: String, service: String) {
        self.path = path
        self.service = service
        self.identity = try? FileIdentity.of(path).get()
    }

    package func verify() throws(StorageUnavailable) {
        guard let identity else { return }
        switch FileIdentity.of(path) {
        case .success(let current) where current == identity: return
        case .success: throw .databaseReplaced(service: service)
        case .failure: throw .databaseMissing(service: service)
        }
    }

    // MARK: TransactionObserver

    package func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    package func databaseDidChange(with event: DatabaseEvent) {}
    package func databaseWillCommit() throws { try verify() }
    package func databaseDidCommit(_ db: Database) {}
    package func databaseDidRollback(_ db: Database) {}
}

/// The service's storage cannot keep what it would acknowledge: 503 until an operator mends it.
package enum StorageUnavailable: HTTPProblemError, Equatable {
    case databaseReplaced(service: String)
    case databaseMissing(service: String)

    package var problem: Problem {
        switch self {
        case .databaseReplaced(let service):
            Problem(
                title: "Storage unavailable", status: 503,
                detail: "The \(service) database file was replaced while \(service) had it open: nothing is accepted until \(service) is restarted. Send the request again then; with the same Idempotency-Key it makes one order.")
        case .databaseMissing(let service):
            Problem(
                title: "Storage unavailable", status: 503,
                detail: "The \(service) database file is missing: nothing is accepted until \(service) is restarted on a database it can keep. Send the request again then; with the same Idempotency-Key it makes one order.")
        }
    }
}

/// Device and inode: which file a path names right now.
struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    struct StatError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    static func of(_ path: String) -> Result<FileIdentity, StatError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(StatError(code: errno)) }
        return .success(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}
