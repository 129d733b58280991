import HTTPTypes

/// An error that knows which HTTP answer it deserves.
///
/// Every error a service throws on purpose conforms; `ProblemMiddleware` is the one place that turns
/// errors into responses, and anything that does not conform becomes an opaque 500.
package protocol HTTPProblemError: Error {
    var problem: Problem { get }
    /// Extra response headers, such as `Retry-After` or `Allow`.
    var headers: HTTPFields { get }
}

extension HTTPProblemError {
    package var headers: HTTPFields { [:] }
}

/// The errors the platform itself raises while reading a request, before any service logic runs.
package enum RequestError: HTTPProblemError, Equatable {
    case malformedJSON(String)
    case bodyTooLarge(limit: Int)
    case unsupportedMediaType(String?)
    case invalidFields([FieldViolation])
    case invalidParameter(name: String, detail: String)
    case notFound(String)
    case methodNotAllowed(allowed: [HTTPRequest.Method])
    case unauthorized(String)
    /// The `Host` names no host this service answers for (`--allowed-hosts`).
    case misdirected
    /// A browser's state-changing request from an origin that is neither the service's nor allowed.
    case crossOrigin
    /// The request's credentials do not allow what it asks.
    case forbidden(String)

    package var problem: Problem {
        switch self {
        case .malformedJSON(let detail):
            Problem(title: "Malformed JSON", status: 400, detail: detail)
        case .bodyTooLarge(let limit):
            Problem(title: "Request body too large", status: 413, detail: "The body must not exceed \(limit) bytes.")
        case .unsupportedMediaType(let got):
            Problem(
                title: "Unsupported media type",
                status: 415,
                detail: "Send the body as application/json" + (got.map { " (got \($0))" } ?? " (no Content-Type was sent)") + "."
            )
        case .invalidFields(let violations):
            Problem(
                title: "Invalid request",
                status: 422,
                detail: violations.map(\.description).joined(separator: "; "),
                errors: violations
            )
        case .invalidParameter(let name, let detail):
            Problem(title: "Invalid parameter", status: 400, detail: "\(name): \(detail)")
        case .notFound(let detail):
            Problem(title: "Not found", status: 404, detail: detail)
        case .methodNotAllowed(let allowed):
            Problem(
                title: "Method not allowed",
                status: 405,
                detail: "Allowed: " + allowed.map(\.rawValue).joined(separator: ", ") + "."
            )
        case .unauthorized(let detail):
            Problem(title: "Unauthorized", status: 401, detail: detail)
        case .misdirected:
            Problem(
                title: "Misdirected request", status: 421,
                detail: "This service does not answer for the host this request names (see --allowed-hosts).")
        case .crossOrigin:
            Problem(
                title: "Cross-origin request refused", status: 403,
                detail: "A request that changes something must come from this service's own origin (see --allowed-origins).")
        case .forbidden(let detail):
            Problem(title: "Forbidden", status: 403, detail: detail)
        }
    }

    package var headers: HTTPFields {
        switch self {
        case .methodNotAllowed(let allowed):
            [.allow: allowed.map(\.rawValue).joined(separator: ", ")]
        case .unauthorized:
            [.wwwAuthenticate: "Bearer"]
        default:
            [:]
        }
    }
}
