import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

extension HTTPField.Name {
    package static let requestID = HTTPField.Name("X-Request-ID")!
    package static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    package static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

/// Gives every request an id: the caller's `X-Request-ID` when it is sane, else a fresh one. The id goes
/// into every log line of the request (`request_id`), into the response header, and, through the task
/// local `RequestID.current`, into calls this service makes to others.
package struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = RequestID.accept(request.headers[.requestID]) ?? RequestID.make()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await RequestID.$current.withValue(id) {
            try await next(request, context)
        }
        response.headers[.requestID] = id
        return response
    }
}

package enum RequestID {
    /// The id of the request being served by the current task, if any.
    @TaskLocal package static var current: String?

    package static func make() -> String {
        UUIDText.random()
    }

    /// A caller's id is kept only if it is short printable ASCII, so logs cannot be forged or flooded.
    package static func accept(_ candidate: String?) -> String? {
        guard let candidate, (1...128).contains(candidate.utf8.count),
            candidate.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return candidate
    }
}

/// Sends the id of the request being served (`RequestID.current`) with every call a generated client
/// makes, so the service called logs under the same id. A call that names an id itself keeps it.
package struct RequestIDClientMiddleware: ClientMiddleware {
    package init() {}

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if request.headerFields[.requestID] == nil, let id = RequestID.current {
            request.headerFields[.requestID] = id
        }
        return try await next(request, body, baseURL)
    }
}
