import Foundation
import HTTPTypes
import OpenAPIRuntime

extension OpenAPIRuntime.Configuration {
    /// How every service and client here encodes its JSON: dates with milliseconds (so orders created
    /// in the same second still sort), compact output with stable key order.
    package static let warehouse = OpenAPIRuntime.Configuration(
        dateTranscoder: .iso8601WithFractionalSeconds,
        jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )
}

/// Generated servers encode header values in OpenAPI's "simple" style, which percent-encodes `/`, so
/// `Location: /orders/42` would leave as `%2Forders%2F42`. A `Location` is a URI reference already;
/// this restores it.
package struct LocationHeaderMiddleware: ServerMiddleware {
    package init() {}

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        if let location = response.headerFields[.location], let decoded = location.removingPercentEncoding {
            response.headerFields[.location] = decoded
        }
        return (response, responseBody)
    }
}
