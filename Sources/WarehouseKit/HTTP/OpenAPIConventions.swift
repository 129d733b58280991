import Foundation
import HTTPTypes
import OpenAPIRuntime

extension OpenAPIRuntime.Configuration {
    /// How every service and client here encodes its JSON through the generated code: dates with
    /// milliseconds (so orders created in the same second still sort), compact output with stable key
    /// order, as `JSONEncoder.warehouse()` writes the JSON the services make themselves.
    package static let warehouse = OpenAPIRuntime.Configuration(
        dateTranscoder: ISO8601FormatStyleTranscoder(),
        jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )
}

/// ISO 8601 dates with milliseconds: written by `UTCTimestamp`, read with Foundation's format styles.
/// The runtime's own transcoder goes through `ISO8601DateFormatter` behind a lock: under load it was 6%
/// of the order service's CPU (decoding inventory's `recordedAt`), measured with `perf`.
package struct ISO8601FormatStyleTranscoder: DateTranscoder {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    package init() {}

    /// Rounds to the millisecond, as dates are stored, so a date reads the same fresh and replayed.
    package func encode(_ date: Date) throws -> String {
        UTCTimestamp.iso8601(date)
    }

    /// Accepts the date with or without fractional seconds.
    package func decode(_ text: String) throws -> Date {
        if let date = try? Self.withFraction.parse(text) { return date }
        return try Self.withoutFraction.parse(text)
    }

    /// Whether `text` is a date this transcoder reads (for body schemas, which check before decoding).
    package static func isDate(_ text: String) -> Bool {
        (try? ISO8601FormatStyleTranscoder().decode(text)) != nil
    }
}

/// Generated servers encode header values in OpenAPI's "simple" style, which percent-encodes characters
/// such as `/`, `=` and `:`, so `Location: /orders/42` would leave as `%2Forders%2F42` and
/// `Content-Digest: sha-256=:…:` as `sha-256%3D%3A…`. Headers whose values are already what they must be
/// on the wire (a URI reference, a structured field) are restored here.
package struct UnescapedHeadersMiddleware: ServerMiddleware {
    package let names: [HTTPField.Name]

    package init(_ names: HTTPField.Name...) {
        self.names = names
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        response.headerFields.unescape(names)
        return (response, responseBody)
    }
}

/// The same for a generated client's requests.
package struct UnescapedRequestHeadersMiddleware: ClientMiddleware {
    package let names: [HTTPField.Name]

    package init(_ names: HTTPField.Name...) {
        self.names = names
    }

    package func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields.unescape(names)
        return try await next(request, body, baseURL)
    }
}

extension HTTPFields {
    mutating func unescape(_ names: [HTTPField.Name]) {
        for name in names {
            if let value = self[name], let decoded = value.removingPercentEncoding { self[name] = decoded }
        }
    }
}

extension HTTPField.Name {
    /// RFC 9530.
    package static let contentDigest = HTTPField.Name("Content-Digest")!
}
