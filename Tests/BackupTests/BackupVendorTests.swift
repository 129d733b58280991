import BackupVendor
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WarehouseKit
import WarehouseTestSupport

let vendorToken = "vendor-test-token"
let quietLogger = Logger(label: "backup-tests") { _ in SwiftLogNoOpLogHandler() }

/// The vendor in process on a temporary store, with a settable clock unless told otherwise.
func withVendor(
    isolation: isolated (any Actor)? = #isolation,
    _ setup: TestingSetup = .router,
    settableClock: Bool = true,
    maximumPackBytes: Int64 = 1 << 20,
    _ body: @Sendable @escaping (any TestClientProtocol, BackupVendorService) async throws -> Void
) async throws {
    try await withTemporaryDirectory { directory in
        var configuration = BackupVendorConfiguration(storeDirectory: directory, token: BearerToken(vendorToken))
        configuration.settableClock = settableClock
        configuration.maximumPackBytes = maximumPackBytes
        // Generous, so a crowded test run (two busy cores) cannot turn a store that answers into a timeout.
        configuration.healthTimeout = .seconds(30)
        let service = try BackupVendorService(configuration: configuration, logger: quietLogger)
        try await service.makeApplication().test(setup) { client in try await body(client, service) }
    }
}

extension TestClientProtocol {
    func upload(
        _ pack: String, _ bytes: Data, account: String = "acct", digest: String? = nil,
        contentType: String = "application/octet-stream"
    )
        async throws -> TestResponse
    {
        var headers: HTTPFields = [.contentType: contentType, .authorization: "Bearer \(vendorToken)"]
        headers[.contentDigest] = digest ?? "sha-256=:\(Data(SHA256.hash(data: bytes)).base64EncodedString()):"
        return try await execute(
            uri: "/accounts/\(account)/packs/\(pack)", method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    func setClock(_ now: String) async throws -> TestResponse {
        try await execute(
            uri: "/admin/clock", method: .put,
            headers: [.contentType: "application/json", .authorization: "Bearer \(vendorToken)"],
            body: ByteBuffer(string: #"{"now": "\#(now)"}"#))
    }

    func get(_ uri: String, authorized: Bool = true) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: authorized ? [.authorization: "Bearer \(vendorToken)"] : [:])
    }
}

struct PackBody: Decodable {
    var packId: String
    var bytes: Int64
    var sha256: String
    var day: String
}

struct ProblemAnswer: Decodable {
    var status: Int
    var detail: String?
}

@Suite("Backup vendor: one upload per account per UTC day", .timeLimit(.minutes(5)))
struct BackupVendorTests {
    @Test("the day's upload is stored; a second that day gets 429 with Retry-After; the next day it is accepted")
    func oneUploadADay() async throws {
        try await withVendor { client, _ in
            #expect(try await client.setClock("2026-12-03T23:59:00Z").status == .ok)
            let first = try await client.upload("p1", Data("first".utf8))
            #expect(first.status == .created)
            let stored = try JSONDecoder().decode(PackBody.self, from: Data(buffer: first.body))
            #expect(stored.day == "2026-12-03")
            #expect(stored.bytes == 5)

            let second = try await client.upload("p2", Data("second".utf8))
            #expect(second.status == .tooManyRequests)
            #expect(second.headers[.contentType] == "application/problem+json")
            let retryAfter = try #require(second.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            let other = try await client.upload("p2", Data("other account".utf8), account: "other")
            #expect(other.status == .created)

            #expect(try await client.setClock("2026-12-04T00:00:01Z").status == .ok)
            #expect(try await client.upload("p2", Data("second".utf8)).status == .created)
            #expect(try await client.upload("p3", Data("third".utf8)).status == .tooManyRequests)

            let list = try await client.get("/accounts/acct/packs")
            struct List: Decodable { var packs: [PackBody] }
            let packs = try JSONDecoder().decode(List.self, from: Data(buffer: list.body)).packs
            #expect(packs.map(\.packId) == ["p1", "p2"])
            #expect(packs.map(\.day) == ["2026-12-03", "2026-12-04"])
        }
    }

    @Test("a download gives back the bytes uploaded, with their digest")
    func download() async throws {
        try await withVendor { client, _ in
            let bytes = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
            #expect(try await client.upload("p1", bytes).status == .created)
            let answer = try await client.get("/accounts/acct/packs/p1")
            #expect(answer.status == .ok)
            #expect(Data(buffer: answer.body) == bytes)
            #expect(answer.headers[.contentDigest] == "sha-256=:\(Data(SHA256.hash(data: bytes)).base64EncodedString()):")
            #expect(try await client.get("/accounts/acct/packs/nope").status == .notFound)
        }
    }

    @Test("an upload that fails its checks stores nothing and leaves the day free")
    func rejectedUploadsLeaveTheDayFree() async throws {
        try await withVendor(maximumPackBytes: 1000) { client, _ in
            let wrongDigest = try await client.upload(
                "p1", Data("abc".utf8), digest: "sha-256=:\(Data(SHA256.hash(data: Data("xyz".utf8))).base64EncodedString()):")
            #expect(wrongDigest.status == .badRequest)
            #expect(try await client.upload("p1", Data("abc".utf8), digest: "md5=:x:").status == .badRequest)
            #expect(try await client.upload("p1", Data(count: 2000)).status == .contentTooLarge)
            #expect(
                try await client.upload("p1", Data("abc".utf8), contentType: "application/json").status == .unsupportedMediaType)
            #expect(try await client.upload("bad%20name", Data("abc".utf8)).status == .badRequest)
            #expect(try await client.upload("p1", Data("abc".utf8)).status == .created)
            #expect(try await client.upload("p1", Data("abc".utf8)).status == .conflict)
        }
    }

    @Test("every account call needs the token; a clock not settable refuses to be set")
    func authorization() async throws {
        try await withVendor(settableClock: false) { client, _ in
            let anonymous = try await client.execute(
                uri: "/accounts/acct/packs/p1", method: .put, headers: [.contentType: "application/octet-stream"],
                body: ByteBuffer(string: "x"))
            #expect(anonymous.status == .unauthorized)
            #expect(try await client.get("/accounts/acct/packs", authorized: false).status == .unauthorized)
            #expect(try await client.get("/admin/clock", authorized: false).status == .unauthorized)
            let refused = try await client.setClock("2030-01-01T00:00:00Z")
            #expect(refused.status == .forbidden)
            #expect(try await client.setClock("not a date").status == .unprocessableContent)
        }
    }

    @Test("health checks the store; the OpenAPI document and metrics are served")
    func platformRoutes() async throws {
        try await withVendor { client, _ in
            let health = try await client.get("/health", authorized: false)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body).contains(#""serviceId":"backup-vendor""#))
            #expect(try await client.get("/openapi.yaml", authorized: false).status == .ok)
            _ = try await client.upload("p1", Data("abc".utf8))
            _ = try await client.upload("p2", Data("abc".utf8))
            let metrics = String(buffer: try await client.get("/metrics", authorized: false).body)
            #expect(metrics.contains(#"backup_vendor_uploads_total{outcome="stored"} 1"#))
            #expect(metrics.contains(#"backup_vendor_uploads_total{outcome="refused"} 1"#))
        }
    }

    @Test("what the vendor stored survives its restart, and so does the day's rule")
    func restart() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = BackupVendorConfiguration(storeDirectory: directory, token: BearerToken(vendorToken))
            configuration.settableClock = true
            try await BackupVendorService(configuration: configuration, logger: quietLogger).makeApplication().test(.router) {
                client async throws in
                #expect(try await client.upload("p1", Data("abc".utf8)).status == .created)
            }
            try await BackupVendorService(configuration: configuration, logger: quietLogger).makeApplication().test(.router) {
                client async throws in
                #expect(try await client.upload("p2", Data("abc".utf8)).status == .tooManyRequests)
                #expect(Data(buffer: try await client.get("/accounts/acct/packs/p1").body) == Data("abc".utf8))
            }
        }
    }
}
