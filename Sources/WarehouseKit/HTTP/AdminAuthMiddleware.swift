import Foundation
import HTTPTypes
import OpenAPIRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// Requires `Authorization: Bearer <admin token>` on the listed operations (restock, chaos controls).
///
/// The comparison takes the same time whatever the guess, so the token cannot be found byte by byte.
package struct AdminAuthMiddleware: ServerMiddleware {
    package let token: AdminToken
    package let operations: Set<String>

    package init(token: AdminToken, operations: Set<String>) {
        self.token = token
        self.operations = operations
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if operations.contains(operationID) {
            try token.authorize(request.headerFields[.authorization])
        }
        return try await next(request, body, metadata)
    }
}

/// The admin token of one data directory: random, made on first use, kept in `DIR/admin-token` (mode 0600).
package struct AdminToken: Sendable {
    private let value: String

    package init(_ value: String) {
        self.value = value
    }

    /// A token nobody knows: admin endpoints guarded by it refuse every call.
    package static func unguessable() -> AdminToken {
        AdminToken((0..<4).map { _ in UUID().uuidString }.joined())
    }

    /// The token, from the first of: `given` (`WAREHOUSE_ADMIN_TOKEN`); the file `file` names
    /// (`WAREHOUSE_ADMIN_TOKEN_FILE`, a container's mounted secret: it must hold a token, or loading
    /// fails rather than making one nobody knows); the data directory's token file, made if missing.
    package static func load(dataDirectory: URL, given: String?, file secretFile: String? = nil) throws -> AdminToken {
        if let given, !given.isEmpty {
            return AdminToken(given)
        }
        if let secretFile, !secretFile.isEmpty {
            guard let secret = read(URL(fileURLWithPath: secretFile)) else { throw AdminTokenError.noSecret(secretFile) }
            return secret
        }
        let file = fileURL(in: dataDirectory)
        if let existing = read(file) { return existing }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let fresh = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        // Write the whole token to a private file first, then link it into place: the token file
        // appears complete or not at all, and when processes start together exactly one link wins
        // and every one of them reads that token.
        let staging = dataDirectory.appendingPathComponent(".admin-token.\(getpid()).\(UInt32.random(in: .min ... .max))")
        guard
            FileManager.default.createFile(
                atPath: staging.path, contents: Data((fresh + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw AdminTokenError.cannotWrite(staging.path) }
        defer { unlink(staging.path) }
        if link(staging.path, file.path) != 0 {
            guard errno == EEXIST else { throw AdminTokenError.cannotWrite(file.path) }
            if let raced = read(file) { return raced }
            // An empty file left by an older version or a crash: replace it whole.
            guard rename(staging.path, file.path) == 0 else { throw AdminTokenError.cannotWrite(file.path) }
        }
        return read(file) ?? AdminToken(fresh)
    }

    /// The token in `file`, if the file holds one.
    private static func read(_ file: URL) -> AdminToken? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : AdminToken(trimmed)
    }

    package static func fileURL(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("admin-token")
    }

    package func authorize(_ header: String?) throws(RequestError) {
        guard let header, header.hasPrefix("Bearer ") else {
            throw .unauthorized("This endpoint needs Authorization: Bearer <admin token>.")
        }
        let given = Array(header.dropFirst("Bearer ".count).utf8)
        let expected = Array(value.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        guard difference == 0 else { throw .unauthorized("The admin token is not valid.") }
    }
}

package enum AdminTokenError: Error, CustomStringConvertible {
    case cannotWrite(String)
    /// `--admin-token-file` names a file that is missing, unreadable or empty.
    case noSecret(String)

    package var description: String {
        switch self {
        case .cannotWrite(let path): "cannot write the admin token to \(path)"
        case .noSecret(let path): "--admin-token-file: no admin token can be read from \(path)"
        }
    }
}
