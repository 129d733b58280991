import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

@Suite("AdminToken")
struct AdminTokenTests {
    let token = AdminToken("s3cret-token")

    @Test("accepts Bearer with the right token")
    func acceptsRightToken() throws {
        try token.authorize("Bearer s3cret-token")
    }

    @Test("rejects a missing header")
    func rejectsMissing() {
        #expect(throws: RequestError.unauthorized("This endpoint needs Authorization: Bearer <admin token>.")) {
            try token.authorize(nil)
        }
    }

    @Test(
        "rejects wrong tokens, prefixes and extensions of the token",
        arguments: [
            "Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2", "Bearer S3CRET-TOKEN", "Bearer  s3cret-token",
            "Bearer ",
        ])
    func rejectsWrongToken(_ header: String) {
        #expect(throws: RequestError.unauthorized("The admin token is not valid.")) {
            try token.authorize(header)
        }
    }

    @Test(
        "rejects other schemes and a bare prefix",
        arguments: [
            "", "Bearer", "s3cret-token", "Basic s3cret-token", "Token s3cret-token", "Bearers3cret-token",
        ])
    func rejectsOtherForms(_ header: String) {
        #expect(throws: RequestError.unauthorized("This endpoint needs Authorization: Bearer <admin token>.")) {
            try token.authorize(header)
        }
    }

    @Test("the 401 problem asks for a Bearer token")
    func unauthorizedProblem() {
        let error = RequestError.unauthorized("x")
        #expect(error.problem.status == 401)
        #expect(error.headers[.wwwAuthenticate] == "Bearer")
    }

    @Test("load() creates DIR/admin-token with mode 0600 and returns the same token next time")
    func loadCreatesTokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let dataDirectory = directory.appendingPathComponent("data/nested")
            let first = try AdminToken.load(dataDirectory: dataDirectory, given: nil)
            let file = AdminToken.fileURL(in: dataDirectory)
            #expect(file.path == dataDirectory.appendingPathComponent("admin-token").path)

            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            let permissions = try #require(attributes[.posixPermissions] as? NSNumber)
            #expect(permissions.intValue & 0o777 == 0o600)

            let stored = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(stored.count == 64)
            #expect(stored.allSatisfy { $0.isHexDigit })
            try first.authorize("Bearer \(stored)")

            let second = try AdminToken.load(dataDirectory: dataDirectory, given: nil)
            try second.authorize("Bearer \(stored)")
            let storedAgain = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(storedAgain == stored)
        }
    }

    @Test("two data directories get different tokens")
    func tokensDiffer() async throws {
        try await withTemporaryDirectory { directory in
            let one = directory.appendingPathComponent("one")
            let two = directory.appendingPathComponent("two")
            _ = try AdminToken.load(dataDirectory: one, given: nil)
            _ = try AdminToken.load(dataDirectory: two, given: nil)
            let first = try String(contentsOf: AdminToken.fileURL(in: one), encoding: .utf8)
            let second = try String(contentsOf: AdminToken.fileURL(in: two), encoding: .utf8)
            #expect(first != second)
        }
    }

    @Test("an existing token file is read, trimmed")
    func loadReadsExistingFile() async throws {
        try await withTemporaryDirectory { directory in
            try "  hand-made-token \n".write(to: AdminToken.fileURL(in: directory), atomically: true, encoding: .utf8)
            let loaded = try AdminToken.load(dataDirectory: directory, given: nil)
            try loaded.authorize("Bearer hand-made-token")
        }
    }

    @Test("WAREHOUSE_ADMIN_TOKEN overrides the file and writes nothing")
    func environmentOverrides() async throws {
        try await withTemporaryDirectory { directory in
            let loaded = try AdminToken.load(dataDirectory: directory, given: "from-env")
            try loaded.authorize("Bearer from-env")
            #expect(!FileManager.default.fileExists(atPath: AdminToken.fileURL(in: directory).path))

            // Also when a token file exists.
            _ = try AdminToken.load(dataDirectory: directory, given: nil)
            let overridden = try AdminToken.load(dataDirectory: directory, given: "from-env")
            try overridden.authorize("Bearer from-env")
        }
    }

    @Test("--admin-token-file: the token in a mounted secret, and nothing written")
    func secretFile() async throws {
        try await withTemporaryDirectory { directory in
            let secret = directory.appendingPathComponent("secret")
            try Data("from-secret\n".utf8).write(to: secret)
            let data = directory.appendingPathComponent("data")
            let loaded = try AdminToken.load(dataDirectory: data, given: nil, file: secret.path)
            try loaded.authorize("Bearer from-secret")
            #expect(!FileManager.default.fileExists(atPath: data.path))

            // The token itself still comes first.
            let overridden = try AdminToken.load(dataDirectory: data, given: "from-env", file: secret.path)
            try overridden.authorize("Bearer from-env")
        }
    }

    @Test("--admin-token-file naming a missing or empty file fails instead of making a token")
    func missingSecretFile() async throws {
        try await withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("missing").path
            #expect(throws: AdminTokenError.self) {
                try AdminToken.load(dataDirectory: directory, given: nil, file: missing)
            }
            let empty = directory.appendingPathComponent("empty")
            try Data(" \n".utf8).write(to: empty)
            #expect(throws: AdminTokenError.self) {
                try AdminToken.load(dataDirectory: directory, given: nil, file: empty.path)
            }
            #expect(!FileManager.default.fileExists(atPath: AdminToken.fileURL(in: directory).path))
        }
    }

    @Test("an empty WAREHOUSE_ADMIN_TOKEN falls back to the file")
    func emptyEnvironmentIgnored() async throws {
        try await withTemporaryDirectory { directory in
            _ = try AdminToken.load(dataDirectory: directory, given: "")
            #expect(FileManager.default.fileExists(atPath: AdminToken.fileURL(in: directory).path))
        }
    }

    /// An empty token file (left by a crash of an older version) is replaced, not trusted.
    @Test("a leftover empty token file does not stop the service from starting")
    func emptyTokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = AdminToken.fileURL(in: directory)
            #expect(FileManager.default.createFile(atPath: file.path, contents: Data()))
            let token = try AdminToken.load(dataDirectory: directory, given: nil)
            let stored = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!stored.isEmpty)
            try token.authorize("Bearer \(stored)")
        }
    }

    /// Processes starting together race to create the file; every one of them must read the winner's token.
    @Test("processes loading at the same time all get the one token")
    func concurrentLoads() async throws {
        for _ in 0..<20 {
            try await withTemporaryDirectory { directory in
                let failures = await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 {
                        group.addTask { (try? AdminToken.load(dataDirectory: directory, given: nil)) == nil }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(failures == 0)
                let stored = try String(contentsOf: AdminToken.fileURL(in: directory), encoding: .utf8)
                #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
            }
        }
    }
}
