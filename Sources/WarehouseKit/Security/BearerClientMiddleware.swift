import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends `Authorization: Bearer <token>` with every call a generated client makes: how the order
/// service shows inventory its service token, and `backup ship` the vendor its account token.
package struct BearerClientMiddleware: ClientMiddleware {
    package let token: BearerToken

    package init(token: BearerToken) {
        self.token = token
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = token.authorization
        return try await next(request, body, baseURL)
    }
}
