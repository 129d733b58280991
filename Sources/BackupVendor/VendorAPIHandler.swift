import BackupVendorAPI
import Crypto
import Foundation
import Logging
import OpenAPIRuntime
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// The vendor's API: generated types in and out, the store and its daily rule in between.
package struct VendorAPIHandler: APIProtocol {
    package let store: VendorStore
    package let clock: VendorClock
    package let metrics: VendorMetrics
    package let maximumPackBytes: Int64
    package let logger: Logger

    package func listPacks(_ input: Operations.ListPacks.Input) async throws -> Operations.ListPacks.Output {
        let account = try Self.checked(input.path.account, "account")
        let packs = await store.packs(of: account)
        return .ok(.init(body: .json(.init(packs: packs.map(Components.Schemas.Pack.init)))))
    }

    package func uploadPack(_ input: Operations.UploadPack.Input) async throws -> Operations.UploadPack.Output {
        let account = try Self.checked(input.path.account, "account")
        let packID = try Self.checked(input.path.packId, "packId")
        let expected = try input.headers.contentDigest.map(Self.sha256)
        guard case .binary(let body) = input.body else { throw VendorError.notOctetStream(nil) }
        if case .known(let length) = body.length, length > maximumPackBytes {
            throw VendorError.packTooLarge(limit: maximumPackBytes)
        }
        let day: String
        do {
            day = try await store.reserve(account: account, packID: packID, now: clock.now())
        } catch {
            if case .dailyUploadUsed = error { metrics.refused.increment() }
            throw error
        }
        let file = try store.incomingURL(account: account, packID: packID)
        do {
            let (bytes, digest) = try await receive(body, into: file)
            if let expected, expected != digest {
                throw VendorError.digestMismatch(sent: expected.base64EncodedString(), computed: digest.base64EncodedString())
            }
            let record = VendorPackRecord(
                packID: packID, bytes: bytes, sha256: digest.map { String(format: "%02x", $0) }.joined(), storedAt: clock.now(),
                day: day)
            try await store.commit(account: account, received: file, record: record)
            metrics.stored.increment()
            metrics.storedBytes.increment(by: bytes)
            logger.info(
                "pack stored", metadata: ["account": "\(account)", "pack": "\(packID)", "bytes": "\(bytes)", "day": "\(day)"])
            return .created(.init(body: .json(.init(record))))
        } catch {
            await store.release(account: account)
            try? FileManager.default.removeItem(at: file)
            metrics.failed.increment()
            throw error
        }
    }

    package func downloadPack(_ input: Operations.DownloadPack.Input) async throws -> Operations.DownloadPack.Output {
        let account = try Self.checked(input.path.account, "account")
        let packID = try Self.checked(input.path.packId, "packId")
        guard let record = await store.pack(packID, of: account), let digest = Self.bytes(ofHex: record.sha256) else {
            throw VendorError.packNotFound(account: account, packID: packID)
        }
        metrics.downloads.increment()
        let body = HTTPBody(
            FileChunks(url: store.packURL(account: account, packID: packID)), length: .known(record.bytes),
            iterationBehavior: .single)
        return .ok(.init(headers: .init(contentDigest: "sha-256=:\(digest.base64EncodedString()):"), body: .binary(body)))
    }

    package func getClock(_ input: Operations.GetClock.Input) async throws -> Operations.GetClock.Output {
        .ok(.init(body: .json(clockState())))
    }

    package func setClock(_ input: Operations.SetClock.Input) async throws -> Operations.SetClock.Output {
        guard case .json(let update) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        try clock.set(to: update.now)
        logger.warning("vendor clock set", metadata: ["now": "\(UTCTimestamp.iso8601(update.now))"])
        return .ok(.init(body: .json(clockState())))
    }

    private func clockState() -> Components.Schemas.Clock {
        let now = clock.now()
        return .init(now: now, day: UTCDay.name(of: now), settable: clock.settable)
    }

    /// Streams the body into `file`, hashing it; stops at `maximumPackBytes`.
    private func receive(_ body: HTTPBody, into file: URL) async throws -> (Int64, Data) {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VendorStoreError(path: file.path, errno: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var bytes: Int64 = 0
        for try await chunk in body {
            bytes += Int64(chunk.count)
            guard bytes <= maximumPackBytes else { throw VendorError.packTooLarge(limit: maximumPackBytes) }
            hasher.update(data: chunk)
            try chunk.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw VendorStoreError(path: file.path, errno: errno)
                    }
                    offset += written
                }
            }
        }
        return (bytes, Data(hasher.finalize()))
    }

    private static func checked(_ name: String, _ parameter: String) throws -> String {
        guard BackupVendorNames.isValid(name) else { throw VendorError.invalidName(parameter: parameter, value: name) }
        return name
    }

    /// The SHA-256 of a `Content-Digest` header (RFC 9530: `sha-256=:<base64>:`, maybe among others).
    static func sha256(_ header: String) throws -> Data {
        for member in header.split(separator: ",") {
            let parts = member.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sha-256" else { continue }
            let value = parts[1]
            guard value.count > 2, value.first == ":", value.last == ":",
                let digest = Data(base64Encoded: String(value.dropFirst().dropLast())), digest.count == 32
            else { throw VendorError.malformedDigest(header) }
            return digest
        }
        throw VendorError.malformedDigest(header)
    }

    private static func bytes(ofHex hex: String) -> Data? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var data = Data()
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            data.append(byte)
        }
        return data
    }
}

extension Components.Schemas.Pack {
    init(_ record: VendorPackRecord) {
        self.init(packId: record.packID, bytes: record.bytes, sha256: record.sha256, storedAt: record.storedAt, day: record.day)
    }
}
