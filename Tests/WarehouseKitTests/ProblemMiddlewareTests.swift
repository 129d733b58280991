import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WarehouseKit

private struct Secret: Error {}

@Suite("Problem mapping")
struct ProblemMiddlewareTests {
    @Test(
        "request errors map to their status and headers",
        arguments: [
            (RequestError.malformedJSON("x"), 400),
            (.bodyTooLarge(limit: 10), 413),
            (.unsupportedMediaType("text/plain"), 415),
            (.invalidFields([FieldViolation("/a", "is required")]), 422),
            (.invalidParameter(name: "limit", detail: "must be between 1 and 500"), 400),
            (.notFound("x"), 404),
            (.methodNotAllowed(allowed: [.get, .head]), 405),
            (.unauthorized("x"), 401),
        ])
    func requestErrors(error: RequestError, status: Int) {
        let (problem, _) = ProblemMiddleware<BasicRequestContext>.map(error)
        #expect(problem.status == status)
        #expect(problem.type == "about:blank")
    }

    @Test("405 carries Allow, 401 carries WWW-Authenticate")
    func headers() {
        #expect(
            ProblemMiddleware<BasicRequestContext>.map(RequestError.methodNotAllowed(allowed: [.get, .head])).headers[.allow]
                == "GET, HEAD")
        #expect(ProblemMiddleware<BasicRequestContext>.map(RequestError.unauthorized("x")).headers[.wwwAuthenticate] == "Bearer")
    }

    @Test("422 lists every violation in errors and in detail")
    func invalidFields() {
        let violations = [FieldViolation("/a", "is required"), FieldViolation("/b/0", "must be an integer")]
        let problem = RequestError.invalidFields(violations).problem
        #expect(problem.errors == violations)
        #expect(problem.detail == "/a: is required; /b/0: must be an integer")
    }

    @Test("an unknown error is an opaque 500")
    func unknownError() {
        let (problem, headers) = ProblemMiddleware<BasicRequestContext>.map(Secret())
        #expect(problem == Problem(title: "Internal server error", status: 500, detail: "The error was logged."))
        #expect(headers.isEmpty)
    }

    @Test("the router's own 404 becomes a problem")
    func routerNotFound() {
        let (problem, _) = ProblemMiddleware<BasicRequestContext>.map(HTTPError(.notFound))
        #expect(problem.status == 404)
        #expect(problem.detail == "Nothing is served at this path.")
    }

    @Test("a problem response is application/problem+json with sorted keys")
    func response() async throws {
        let response = ProblemMiddleware<BasicRequestContext>.response(
            Problem(title: "Not found", status: 404, detail: "gone"),
            headers: [.allow: "GET"]
        )
        #expect(response.status == .notFound)
        #expect(response.headers[.contentType] == "application/problem+json")
        #expect(response.headers[.allow] == "GET")
    }

    @Test("decoding errors name the field by pointer")
    func decodingErrors() throws {
        struct Line: Decodable { var sku: String; var quantity: Int }
        struct Body: Decodable { var items: [Line] }
        func violation(_ json: String) throws -> FieldViolation {
            let error = #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(Body.self, from: Data(json.utf8))
            }
            return FieldViolation(try #require(error))
        }
        #expect(try violation(#"{"items": [{"sku": "A"}]}"#) == FieldViolation("/items/0/quantity", "is required"))
        #expect(
            try violation(#"{"items": [{"sku": "A", "quantity": "x"}]}"#)
                == FieldViolation("/items/0/quantity", "must be an integer"))
        #expect(
            try violation(#"{"items": [{"sku": null, "quantity": 1}]}"#)
                == FieldViolation("/items/0/sku", "must be a string, not null"))
    }
}
