import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import WarehouseKit

/// Passes a request from the page on to a service behind the console and its answer back, so the
/// browser talks to one origin only. The console adds nothing of its own to a service's answer: a
/// problem from order stays that problem. It answers itself only when it cannot pass the request on
/// (413 too large, 502 unreachable, 504 too slow), always as problem+json.
package struct ConsoleProxy: Sendable {
    package let httpClient: HTTPClient
    /// The longest the console waits for a service (POST /orders answers within its own deadline).
    package let timeout: Duration
    package let bodyLimit: Int
    /// The most of an answer the console passes on.
    package let answerLimit = 8 * 1024 * 1024

    /// Request headers a service needs; the rest (cookies, hop-by-hop fields) stays at the console.
    package static let requestHeaders: [HTTPField.Name] = [.contentType, .accept, .authorization, .idempotencyKey]
    /// Answer headers the page may read; a service's own `X-Request-ID` is the console's anyway.
    package static let answerHeaders: [String] = [
        "Content-Type", "Location", "Idempotent-Replayed", "Retry-After", "Allow", "WWW-Authenticate", "X-Gremlin-Delay",
    ]

    package init(httpClient: HTTPClient, timeout: Duration = .seconds(10), bodyLimit: Int = RequestBodyMiddleware.defaultLimit) {
        self.httpClient = httpClient
        self.timeout = timeout
        self.bodyLimit = bodyLimit
    }

    /// Forwards `request` to `path` on `upstream` with the request's query, method, body and the headers
    /// in `requestHeaders`, plus the console's request id, so one id follows the request everywhere.
    package func forward(_ request: Request, to upstream: ServiceEndpoint, path: String) async throws -> Response {
        var outgoing = HTTPClientRequest(url: upstream.url(path: path, query: request.uri.query))
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in Self.forwardedHeaders(request.headers, requestID: RequestID.current) {
            outgoing.headers.add(name: name, value: value)
        }
        if request.method == .post || request.method == .put {
            outgoing.body = .bytes(try await Self.collect(request, limit: bodyLimit))
        }
        let answer: HTTPClientResponse
        do {
            answer = try await httpClient.execute(outgoing, timeout: .init(timeout))
        } catch {
            throw Self.mapped(error, service: upstream.name.rawValue, timeout: timeout)
        }
        let body: ByteBuffer
        do {
            body = try await answer.body.collect(upTo: answerLimit)
        } catch is NIOTooManyBytesError {
            throw ConsoleError.answerTooLarge(service: upstream.name.rawValue)
        } catch {
            throw Self.mapped(error, service: upstream.name.rawValue, timeout: timeout)
        }
        return Response(
            status: .init(code: Int(answer.status.code)),
            headers: Self.answerFields(answer.headers),
            body: ResponseBody(byteBuffer: body)
        )
    }

    /// The headers passed on: those in `requestHeaders`, and `X-Request-ID`.
    package static func forwardedHeaders(_ fields: HTTPFields, requestID: String?) -> [(String, String)] {
        var forwarded: [(String, String)] = []
        for name in requestHeaders {
            for value in fields[values: name] { forwarded.append((name.rawName, value)) }
        }
        if let requestID { forwarded.append((HTTPField.Name.requestID.rawName, requestID)) }
        return forwarded
    }

    /// The answer headers the page gets. `Location` points into the console (`/api/orders/…`), since
    /// the page cannot follow a link to the service itself.
    package static func answerFields(_ headers: HTTPHeaders) -> HTTPFields {
        var fields = HTTPFields()
        for name in answerHeaders {
            guard let fieldName = HTTPField.Name(name) else { continue }
            for value in headers[name] {
                fields.append(
                    HTTPField(name: fieldName, value: name == "Location" && value.hasPrefix("/") ? "/api" + value : value))
            }
        }
        fields[.cacheControl] = "no-store"
        return fields
    }

    /// Reads the body, refusing more than `limit` bytes (by `Content-Length` first, then while reading).
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw RequestError.bodyTooLarge(limit: limit)
        }
        var collected = ByteBuffer()
        for try await chunk in request.body {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw RequestError.bodyTooLarge(limit: limit) }
            var chunk = chunk
            collected.writeBuffer(&chunk)
        }
        return collected
    }

    /// A failed call in words: timed out (504) or unreachable (502).
    package static func mapped(_ error: any Error, service: String, timeout: Duration) -> ConsoleError {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return .timedOut(service: service, milliseconds: Int(timeout.milliseconds))
        }
        return .unreachable(service: service, reason: ConnectionFailure.describe(error, timeout: timeout))
    }
}
