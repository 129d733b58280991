import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization
import Testing
import WarehouseKit

/// Records whether the next handler ran, and with which body.
private final class Downstream: Sendable {
    private let received = Mutex<Data?>(nil)

    var body: Data? { received.withLock { $0 } }

    func handle(_ request: HTTPRequest, _ body: HTTPBody?, _ metadata: ServerRequestMetadata) async throws -> (
        HTTPResponse, HTTPBody?
    ) {
        var data = Data()
        if let body {
            for try await chunk in body { data.append(contentsOf: chunk) }
        }
        received.withLock { $0 = data }
        return (HTTPResponse(status: .ok), nil)
    }
}

@Suite("RequestBodyMiddleware")
struct RequestBodyMiddlewareTests {
    let middleware = RequestBodyMiddleware(
        limit: 100,
        schemas: [
            "create": .object(required: [("name", .string(minLength: 1))])
        ])

    private func send(
        _ body: HTTPBody?,
        contentType: String? = "application/json",
        contentLength: Int? = nil,
        operation: String = "create",
        to downstream: Downstream
    ) async throws {
        var request = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/things")
        request.headerFields[.contentType] = contentType
        request.headerFields[.contentLength] = contentLength.map(String.init)
        _ = try await middleware.intercept(request, body: body, metadata: ServerRequestMetadata(), operationID: operation) {
            try await downstream.handle($0, $1, $2)
        }
    }

    @Test("a valid body reaches the handler intact")
    func validBody() async throws {
        let downstream = Downstream()
        try await send(HTTPBody(#"{"name": "x"}"#), contentType: "application/json; charset=utf-8", to: downstream)
        #expect(downstream.body == Data(#"{"name": "x"}"#.utf8))
    }

    @Test("operations without a schema pass through unchecked")
    func unknownOperation() async throws {
        let downstream = Downstream()
        try await send(HTTPBody("not json"), contentType: "text/plain", operation: "other", to: downstream)
        #expect(downstream.body == Data("not json".utf8))
    }

    @Test("415 before anything else")
    func mediaType() async {
        let downstream = Downstream()
        await #expect(throws: RequestError.unsupportedMediaType("text/plain")) {
            try await send(HTTPBody("{}"), contentType: "text/plain", to: downstream)
        }
        await #expect(throws: RequestError.unsupportedMediaType(nil)) {
            try await send(HTTPBody("{}"), contentType: nil, to: downstream)
        }
        #expect(downstream.body == nil)
    }

    @Test("413 from a declared Content-Length, before reading")
    func declaredTooLarge() async {
        let downstream = Downstream()
        await #expect(throws: RequestError.bodyTooLarge(limit: 100)) {
            try await send(HTTPBody("{}"), contentLength: 101, to: downstream)
        }
        #expect(downstream.body == nil)
    }

    @Test("413 while reading a body without Content-Length")
    func streamedTooLarge() async {
        let downstream = Downstream()
        let chunks = Array(repeating: String(repeating: "x", count: 30), count: 4)
        let stream = AsyncStream<String> { continuation in
            chunks.forEach { continuation.yield($0) }
            continuation.finish()
        }
        await #expect(throws: RequestError.bodyTooLarge(limit: 100)) {
            try await send(HTTPBody(stream, length: .unknown), to: downstream)
        }
        #expect(downstream.body == nil)
    }

    @Test("400 for an empty or malformed body, 422 for a bad field")
    func contentChecks() async {
        let downstream = Downstream()
        await #expect(throws: RequestError.malformedJSON("The body is empty; a JSON object is required.")) {
            try await send(nil, to: downstream)
        }
        await #expect(throws: RequestError.malformedJSON("The body is not valid JSON: unexpected end of the body at byte 1.")) {
            try await send(HTTPBody("{"), to: downstream)
        }
        await #expect(throws: RequestError.invalidFields([FieldViolation("/name", "must not be empty")])) {
            try await send(HTTPBody(#"{"name": ""}"#), to: downstream)
        }
        #expect(downstream.body == nil)
    }
}
