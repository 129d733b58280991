import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// 32 characters: the shortest token a service accepts.
private let secret = "s3cret-token-s3cret-token-s3cret"
private let fromEnvironment = "from-the-environment-0123456789abcdef"
private let fromSecretFile = "from-a-mounted-secret-0123456789abcdef"

@Suite("BearerToken")
struct BearerTokenTests {
    let token = BearerToken(secret)

    @Test(
        "accepts Bearer with the right token, the scheme in any case and after any number of spaces (RFC 9110 11.1, 11.4)",
        arguments: ["Bearer ", "bearer ", "BEARER ", "bEaReR ", "Bearer   "])
    func acceptsRightToken(_ scheme: String) {
        #expect(token.matches(scheme + secret))
    }

    @Test(
        "rejects wrong tokens, prefixes and extensions of the token, other schemes and bare prefixes",
        arguments: [
            "Bearer wrong", "Bearer \(secret.dropLast())", "Bearer \(secret)2", "Bearer \(secret.uppercased())", "Bearer ",
            "", "Bearer", secret, "Basic \(secret)", "Token \(secret)", "Bearer\(secret)", "Bearerx \(secret)",
        ])
    func rejectsWrongToken(_ header: String) {
        #expect(!token.matches(header))
    }

    @Test("a token is at least 32 printable characters without spaces")
    func minimumLength() {
        #expect(BearerToken.problem(with: secret) == nil)
        #expect(BearerToken.problem(with: String(secret.dropLast()))?.contains("at least 32 characters") == true)
        #expect(BearerToken.problem(with: "short") != nil)
        #expect(BearerToken.problem(with: secret + " x") == "must be printable ASCII without spaces")
        #expect(BearerToken.problem(with: secret + "\u{7}") == "must be printable ASCII without spaces")
    }

    @Test("the 401 says which token the endpoint wants")
    func unauthorizedProblem() {
        let credentials = Credentials(admin: BearerToken(secret), service: BearerToken(fromEnvironment))
        #expect(throws: RequestError.unauthorized("This endpoint needs Authorization: Bearer <admin token>.")) {
            try credentials.authorize(.admin, nil)
        }
        #expect(throws: RequestError.unauthorized("The admin token is not valid.")) {
            try credentials.authorize(.admin, "Bearer \(fromEnvironment)")
        }
        #expect(throws: RequestError.unauthorized("The service token is not valid.")) {
            try credentials.authorize(.service, "Bearer \(secret)")
        }
        #expect(throws: Never.self) { try credentials.authorize(.serviceOrAdmin, "Bearer \(secret)") }
        #expect(throws: Never.self) { try credentials.authorize(.serviceOrAdmin, "bearer \(fromEnvironment)") }
        let error = RequestError.unauthorized("x")
        #expect(error.problem.status == 401)
        #expect(error.headers[.wwwAuthenticate] == "Bearer")
    }
}

@Suite("Credential files")
struct CredentialTests {
    @Test("load() creates DIR/admin-token with mode 0600 in a directory of mode 0700, and returns the same token next time")
    func loadCreatesTokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let dataDirectory = directory.appendingPathComponent("data/nested")
            let first = try Credential.admin.load(dataDirectory: dataDirectory, given: nil)
            let file = Credential.admin.fileURL(in: dataDirectory)
            #expect(file.path == dataDirectory.appendingPathComponent("admin-token").path)
            #expect(SecretFile.mode(file.path) == 0o600)
            #expect(SecretFile.mode(dataDirectory.path) == 0o700)

            let stored = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(stored.count == 64)
            #expect(stored.allSatisfy { $0.isHexDigit })
            #expect(first.matches("Bearer \(stored)"))

            let second = try Credential.admin.load(dataDirectory: dataDirectory, given: nil)
            #expect(second.matches("Bearer \(stored)"))
            #expect(try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == stored)
        }
    }

    @Test("the admin and the service token are two files with two tokens")
    func twoCredentials() async throws {
        try await withTemporaryDirectory { directory in
            let admin = try Credential.admin.load(dataDirectory: directory, given: nil)
            let service = try Credential.service.load(dataDirectory: directory, given: nil)
            let serviceText = try String(contentsOf: Credential.service.fileURL(in: directory), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(service.matches("Bearer \(serviceText)"))
            #expect(!admin.matches("Bearer \(serviceText)"))
            #expect(SecretFile.mode(Credential.service.fileURL(in: directory).path) == 0o600)
        }
    }

    @Test("two data directories get different tokens")
    func tokensDiffer() async throws {
        try await withTemporaryDirectory { directory in
            let one = directory.appendingPathComponent("one")
            let two = directory.appendingPathComponent("two")
            _ = try Credential.admin.load(dataDirectory: one, given: nil)
            _ = try Credential.admin.load(dataDirectory: two, given: nil)
            let first = try String(contentsOf: Credential.admin.fileURL(in: one), encoding: .utf8)
            let second = try String(contentsOf: Credential.admin.fileURL(in: two), encoding: .utf8)
            #expect(first != second)
        }
    }

    @Test("an existing token file is read, trimmed; one others may read is narrowed to 0600")
    func loadReadsExistingFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = Credential.admin.fileURL(in: directory).path
            try "  \(secret) \n".write(toFile: file, atomically: false, encoding: .utf8)
            chmod(file, 0o644)
            let loaded = try Credential.admin.load(dataDirectory: directory, given: nil)
            #expect(loaded.matches("Bearer \(secret)"))
            #expect(SecretFile.mode(file) == 0o600)
        }
    }

    @Test("a token too short for a token is refused, wherever it comes from")
    func shortTokensRefused() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: CredentialError.self) { try Credential.admin.load(dataDirectory: directory, given: "short") }
            try "hand-made\n".write(to: Credential.admin.fileURL(in: directory), atomically: false, encoding: .utf8)
            chmod(Credential.admin.fileURL(in: directory).path, 0o600)
            #expect(throws: CredentialError.self) { try Credential.admin.load(dataDirectory: directory, given: nil) }
        }
    }

    @Test("WAREHOUSE_ADMIN_TOKEN overrides the file and writes nothing")
    func environmentOverrides() async throws {
        try await withTemporaryDirectory { directory in
            let loaded = try Credential.admin.load(dataDirectory: directory, given: fromEnvironment)
            #expect(loaded.matches("Bearer \(fromEnvironment)"))
            #expect(!FileManager.default.fileExists(atPath: Credential.admin.fileURL(in: directory).path))

            // Also when a token file exists.
            _ = try Credential.admin.load(dataDirectory: directory, given: nil)
            let overridden = try Credential.admin.load(dataDirectory: directory, given: fromEnvironment)
            #expect(overridden.matches("Bearer \(fromEnvironment)"))
        }
    }

    @Test("--admin-token-file: the token in a mounted secret, and nothing written; refused when others may read it")
    func secretFile() async throws {
        try await withTemporaryDirectory { directory in
            let secretFile = directory.appendingPathComponent("secret")
            try Data("\(fromSecretFile)\n".utf8).write(to: secretFile)
            chmod(secretFile.path, 0o440)
            let data = directory.appendingPathComponent("data")
            let loaded = try Credential.admin.load(dataDirectory: data, given: nil, file: secretFile.path)
            #expect(loaded.matches("Bearer \(fromSecretFile)"))
            #expect(!FileManager.default.fileExists(atPath: data.path))

            // The token itself still comes first.
            let overridden = try Credential.admin.load(dataDirectory: data, given: fromEnvironment, file: secretFile.path)
            #expect(overridden.matches("Bearer \(fromEnvironment)"))

            chmod(secretFile.path, 0o444)
            #expect(throws: CredentialError.readableByOthers(secretFile.path, setting: "--admin-token-file")) {
                try Credential.admin.load(dataDirectory: data, given: nil, file: secretFile.path)
            }
        }
    }

    @Test("--admin-token-file naming a missing or empty file fails instead of making a token")
    func missingSecretFile() async throws {
        try await withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("missing").path
            #expect(throws: CredentialError.self) {
                try Credential.admin.load(dataDirectory: directory, given: nil, file: missing)
            }
            let empty = directory.appendingPathComponent("empty")
            try Data(" \n".utf8).write(to: empty)
            chmod(empty.path, 0o400)
            #expect(throws: CredentialError.self) {
                try Credential.admin.load(dataDirectory: directory, given: nil, file: empty.path)
            }
            #expect(!FileManager.default.fileExists(atPath: Credential.admin.fileURL(in: directory).path))
        }
    }

    @Test("an empty WAREHOUSE_ADMIN_TOKEN falls back to the file")
    func emptyEnvironmentIgnored() async throws {
        try await withTemporaryDirectory { directory in
            _ = try Credential.admin.load(dataDirectory: directory, given: "")
            #expect(FileManager.default.fileExists(atPath: Credential.admin.fileURL(in: directory).path))
        }
    }

    /// An empty token file (left by a crash of an older version) is replaced, not trusted.
    @Test("a leftover empty token file does not stop the service from starting")
    func emptyTokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = Credential.admin.fileURL(in: directory)
            #expect(FileManager.default.createFile(atPath: file.path, contents: Data()))
            let token = try Credential.admin.load(dataDirectory: directory, given: nil)
            let stored = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!stored.isEmpty)
            #expect(token.matches("Bearer \(stored)"))
        }
    }

    /// Processes starting together race to create the file; every one of them must read the winner's token.
    @Test("processes loading at the same time all get the one token")
    func concurrentLoads() async throws {
        for _ in 0..<20 {
            try await withTemporaryDirectory { directory in
                let failures = await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<8 {
                        group.addTask { (try? Credential.admin.load(dataDirectory: directory, given: nil)) == nil }
                    }
                    return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(failures == 0)
                let stored = try String(contentsOf: Credential.admin.fileURL(in: directory), encoding: .utf8)
                #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
            }
        }
    }
}
