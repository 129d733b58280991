import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// The one place where errors become HTTP answers.
///
/// It sits outermost, so it also sees the router's own 404s and errors thrown inside generated
/// OpenAPI handlers (which arrive wrapped in `ServerError`). Unknown errors become a 500 whose body
/// says nothing about internals; the error itself goes to the log with the request id.
package struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    package init() {}

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            return response
        } catch {
            let mapped = Self.map(error)
            if mapped.problem.status >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            var problem = mapped.problem
            problem.instance = problem.instance ?? request.uri.path
            return Self.response(problem, headers: mapped.headers)
        }
    }

    /// Maps any error to the problem it deserves.
    package static func map(_ error: any Error) -> (problem: Problem, headers: HTTPFields) {
        switch error {
        case let error as any HTTPProblemError:
            return (error.problem, error.headers)
        case let error as ServerError:
            return map(unwrapped: error)
        case let error as HTTPError where error.status == .notFound && error.body == nil:
            return (Problem(title: "Not found", status: 404, detail: "Nothing is served at this path."), error.headers)
        case let error as HTTPError:
            return (Problem(title: error.status.reasonPhrase, status: error.status.code, detail: error.body), error.headers)
        case let error as DecodingError:
            return (RequestError.invalidFields([FieldViolation(error)]).problem, [:])
        default:
            return (Problem(title: "Internal server error", status: 500, detail: "The error was logged."), [:])
        }
    }

    /// Generated handlers wrap what they throw in `ServerError`. The runtime raises one of its own, with
    /// a 4xx status, when it cannot read a parameter (`?limit=abc`, an unknown enum value): bodies were
    /// checked before by `RequestBodyMiddleware`, so by now a decoding failure is a parameter's.
    private static func map(unwrapped error: ServerError) -> (problem: Problem, headers: HTTPFields) {
        switch error.underlyingError {
        case is any HTTPProblemError, is HTTPError:
            return map(error.underlyingError)
        default:
            guard (400..<500).contains(error.httpStatus.code) else { return map(error.underlyingError) }
            let detail =
                "A parameter of \(error.request.method.rawValue) \(error.request.path?.split(separator: "?").first ?? "") "
                + "is missing or not valid; GET /openapi.yaml lists the allowed values."
            return (Problem(title: "Invalid parameter", status: error.httpStatus.code, detail: detail), [:])
        }
    }

    package static func response(_ problem: Problem, headers: HTTPFields = [:]) -> Response {
        let body = (try? JSONEncoder.warehouse().encode(problem)) ?? Data(#"{"title":"Internal server error","status":500}"#.utf8)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(
            status: HTTPResponse.Status(code: problem.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension FieldViolation {
    /// Describes a decoding failure by the pointer of the field it happened at.
    package init(_ error: DecodingError) {
        func pointer(_ path: [any CodingKey]) -> String {
            "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(pointer(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            self.init(pointer(context.codingPath), "must be \(Self.jsonName(of: type))")
        case .valueNotFound(let type, let context):
            self.init(pointer(context.codingPath), "must be \(Self.jsonName(of: type)), not null")
        case .dataCorrupted(let context):
            self.init(pointer(context.codingPath), "is not valid")
        @unknown default:
            self.init("/", "is not valid")
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "of another type"
        }
    }
}
