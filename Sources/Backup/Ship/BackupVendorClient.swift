import Foundation

/// A pack as the vendor keeps it.
package struct VendorPack: Sendable, Equatable {
    package var packID: String
    package var bytes: Int64
    /// Lowercase hex SHA-256 of the pack's bytes.
    package var sha256: String
    package var storedAt: Date
    /// The vendor's UTC day the upload counted against.
    package var day: String

    package init(packID: String, bytes: Int64, sha256: String, storedAt: Date, day: String) {
        self.packID = packID
        self.bytes = bytes
        self.sha256 = sha256
        self.storedAt = storedAt
        self.day = day
    }
}

/// How the vendor answered an upload.
package enum UploadAnswer: Sendable, Equatable {
    case stored(VendorPack)
    /// 429: the account has uploaded today already; the next day starts in this many seconds.
    case refused(retryAfterSeconds: Int)
    /// Any other answer: nothing was stored.
    case failed(status: Int, detail: String)
}

/// A call that did not get an answer.
package enum VendorCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection was made: the vendor cannot have seen the call.
    case notDelivered(String)
    /// The call may have reached the vendor (timeout, connection lost mid-way).
    case unknown(String)
    /// A read (list, download) was answered with an error.
    case answered(status: Int, detail: String)

    package var description: String {
        switch self {
        case .notDelivered(let detail): "the vendor could not be reached (\(detail))"
        case .unknown(let detail): "no answer from the vendor (\(detail))"
        case .answered(let status, let detail): "the vendor answered \(status): \(detail)"
        }
    }
}

/// The vendor, as the backup side needs it. `HTTPBackupVendorClient` is the real one; tests may stand in.
package protocol BackupVendorClient: Sendable {
    /// The account's one upload of the day: the pack in `file`, with its size and SHA-256.
    func upload(account: String, packID: String, file: URL, bytes: Int64, sha256: Data) async throws -> UploadAnswer
    func listPacks(account: String) async throws -> [VendorPack]
    /// Downloads a pack into `file` and checks it against the digest the vendor sends with it.
    func download(account: String, packID: String, to file: URL) async throws
}
