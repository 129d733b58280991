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

    /// Reads `WAREHOUSE_ADMIN_TOKEN` when set (containers), else the token file, making it if missing.
    package static func load(dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> AdminToken
    {
        if let fromEnvironment = environment["WAREHOUSE_ADMIN_TOKEN"], !fromEnvironment.isEmpty {
            return AdminToken(fromEnvironment)
        }
        let file = fileURL(in: dataDirectory)
        if let existing = try? String(contentsOf: file, encoding: .utf8) {
            let trimmed = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return AdminToken(trimmed) }
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let fresh = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        // O_EXCL: when two processes start at once, exactly one writes and both read the same token.
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            let bytes = Array((fresh + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            fsync(descriptor)
            close(descriptor)
            guard written == bytes.count else { throw AdminTokenError.cannotWrite(file.path) }
            return AdminToken(fresh)
        }
        guard errno == EEXIST, let raced = try? String(contentsOf: file, encoding: .utf8),
            !raced.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw AdminTokenError.cannotWrite(file.path) }
        return AdminToken(raced.trimmingCharacters(in: .whitespacesAndNewlines))
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

    package var description: String {
        switch self {
        case .cannotWrite(let path): "cannot write the admin token to \(path)"
        }
    }
}
