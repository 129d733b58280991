import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Guards every JSON request body before a generated handler decodes it, in this order:
/// 415 unless it is `application/json`, 413 past `limit` bytes (checked against `Content-Length`
/// first, then while reading), 400 unless it parses as JSON, 422 listing every field that breaks the
/// operation's `BodySchema`. Only a body that passes all four reaches the handler, so a rejected
/// request never touches storage.
package struct RequestBodyMiddleware: ServerMiddleware {
    /// The default limit: far above the largest valid order (50 lines), far below harm.
    package static let defaultLimit = 64 * 1024

    package let limit: Int
    /// Body schemas keyed by OpenAPI `operationId`; operations not listed take no body.
    package let schemas: [String: BodySchema]

    package init(limit: Int = Self.defaultLimit, schemas: [String: BodySchema]) {
        self.limit = limit
        self.schemas = schemas
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let schema = schemas[operationID] else {
            return try await next(request, body, metadata)
        }
        let contentType = request.headerFields[.contentType]
        guard let contentType, Self.isJSON(contentType) else {
            throw RequestError.unsupportedMediaType(contentType)
        }
        if let declared = request.headerFields[.contentLength].flatMap(Int.init), declared > limit {
            throw RequestError.bodyTooLarge(limit: limit)
        }
        let data = try await collect(body)
        guard !data.isEmpty else { throw RequestError.malformedJSON("The body is empty; a JSON object is required.") }
        let document = try JSONValue.parse(data)
        let violations = schema.violations(of: document)
        guard violations.isEmpty else { throw RequestError.invalidFields(violations) }
        return try await next(request, HTTPBody(data), metadata)
    }

    private func collect(_ body: HTTPBody?) async throws -> Data {
        guard let body else { return Data() }
        var data = Data()
        for try await chunk in body {
            guard data.count + chunk.count <= limit else { throw RequestError.bodyTooLarge(limit: limit) }
            data.append(contentsOf: chunk)
        }
        return data
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" { return true }  // what nearly every client sends
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
