import Crypto
import Foundation

/// The key that seals every pack the vendor receives. The vendor never sees it.
///
/// 32 random bytes, kept base64 in a file of mode 0600 (`REPO/key` unless told otherwise) or given in
/// `WAREHOUSE_BACKUP_KEY`. Each pack is sealed with its own key, derived from this one with HKDF-SHA256
/// and the pack's random salt, account and id, so nonces (frame counters) never repeat under one key.
///
/// The vendor's copy is worth exactly as much as this key: when the machine is gone, so is `REPO/key`.
/// Keep a copy off the machine (a password manager or a secret store) from the day it is made.
package struct BackupKey: Sendable {
    package static let environmentKey = "WAREHOUSE_BACKUP_KEY"
    private let key: SymmetricKey

    package init(key: SymmetricKey) {
        self.key = key
    }

    /// Parses the base64 form; `badKey` unless it is 32 bytes.
    package init(base64 text: String, source: String) throws {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw BackupError.badKey("\(source) does not hold a key (base64 of 32 bytes)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// `WAREHOUSE_BACKUP_KEY` when set, else the key in `file`; `badKey` when there is none.
    package static func load(file: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BackupKey {
        if let text = environment[environmentKey], !text.isEmpty {
            return try BackupKey(base64: text, source: environmentKey)
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw BackupError.badKey("no key at \(file.path) and \(environmentKey) is not set")
        }
        return try BackupKey(base64: String(decoding: data, as: UTF8.self), source: file.path)
    }

    /// The key as `load` finds it, or a new one written to `file` when there is none; `created` says which.
    package static func loadOrCreate(file: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (key: BackupKey, created: Bool)
    {
        if environment[environmentKey]?.isEmpty == false || FileManager.default.fileExists(atPath: file.path) {
            return (try load(file: file, environment: environment), false)
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try DurableFile.makeDirectory(file.deletingLastPathComponent())
        try DurableFile.write(Data(text.utf8), to: file)
        return (try load(file: file, environment: [:]), true)
    }

    /// The key of one pack.
    func packKey(salt: Data, account: String, packID: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: salt, info: Data("warehouse-pack-v1\0\(account)\0\(packID)".utf8), outputByteCount: 32)
    }
}
