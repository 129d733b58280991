import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization

/// An OpenAPI client transport over a pool of `KeepAliveConnection`s to one server.
///
/// It does what a service-to-service call on loopback needs and no more: connections are reused while
/// they stay open, opened on demand up to `maximumConnections`, and closed on any failure; a request
/// has a backstop timeout and stops at once when its task is cancelled (the caller's deadline). It does
/// not retry, follow redirects or speak TLS: retries and deadlines are the resilient gateway's.
package final class KeepAliveTransport: ClientTransport {
    package struct Configuration: Sendable {
        package var connectTimeout: Duration = .milliseconds(500)
        /// A backstop against a request nobody waits for any more; callers set their own deadlines.
        package var requestTimeout: Duration = .seconds(30)
        /// Open connections at most; a request beyond them fails at once (`PoolExhausted`).
        package var maximumConnections = 128
        package var maximumRequestBytes = 1 << 20
        package var maximumReplyBytes = 1 << 20

        package init() {}
    }

    /// More requests in flight than `maximumConnections`.
    package struct PoolExhausted: Error, CustomStringConvertible {
        package var description: String { "too many requests in flight" }
    }

    /// The transport was shut down.
    package struct ShutDown: Error, CustomStringConvertible {
        package var description: String { "client shut down" }
    }

    private let configuration: Configuration
    private let pool = Mutex(Pool())

    private struct Pool {
        var idle: [KeepAliveConnection] = []
        var open = 0
        var closed = false
    }

    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    package func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (
        HTTPResponse, HTTPBody?
    ) {
        guard let host = baseURL.host else { throw URLError(.badURL) }
        var head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue),
            uri: Self.trimmingTrailingSlash(baseURL.path) + (request.path ?? "/"))
        head.headers.reserveCapacity(request.headerFields.count + 2)
        head.headers.add(name: "Host", value: baseURL.port.map { "\(host):\($0)" } ?? host)
        for field in request.headerFields { head.headers.add(name: field.name.rawName, value: field.value) }
        var bytes: ByteBuffer?
        if let body {
            let collected = try await ByteBuffer(bytes: [UInt8](collecting: body, upTo: configuration.maximumRequestBytes))
            head.headers.replaceOrAdd(name: "Content-Length", value: String(collected.readableBytes))
            bytes = collected
        }

        let connection = try await acquire(host: host, port: baseURL.port ?? 80)
        let reply: (head: HTTPResponseHead, body: ByteBuffer)
        do {
            reply = try await connection.execute(
                head, body: bytes, timeout: configuration.requestTimeout, maximumReplyBytes: configuration.maximumReplyBytes)
        } catch {
            release(connection, reusable: false)
            throw error
        }
        release(connection, reusable: connection.isReusable)

        var fields = HTTPFields()
        for (name, value) in reply.head.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        let response = HTTPResponse(
            status: .init(code: Int(reply.head.status.code), reasonPhrase: reply.head.status.reasonPhrase), headerFields: fields)
        return (response, HTTPBody(Array(reply.body.readableBytesView)))
    }

    /// Closes the idle connections and stops reusing the others; later requests fail.
    package func shutdown() {
        let idle = pool.withLock { pool in
            pool.closed = true
            defer { pool.idle.removeAll() }
            return pool.idle
        }
        idle.forEach { $0.close() }
    }

    private func acquire(host: String, port: Int) async throws -> KeepAliveConnection {
        enum Choice {
            case reuse(KeepAliveConnection)
            case open
        }
        let choice: Choice = try pool.withLock { pool in
            guard !pool.closed else { throw ShutDown() }
            while let connection = pool.idle.popLast() {
                if connection.isReusable { return .reuse(connection) }
                pool.open -= 1
            }
            guard pool.open < configuration.maximumConnections else { throw PoolExhausted() }
            pool.open += 1
            return .open
        }
        switch choice {
        case .reuse(let connection):
            return connection
        case .open:
            do {
                return try await KeepAliveConnection.connect(host: host, port: port, timeout: configuration.connectTimeout)
            } catch {
                pool.withLock { $0.open -= 1 }
                throw error
            }
        }
    }

    private func release(_ connection: KeepAliveConnection, reusable: Bool) {
        let keep = pool.withLock { pool in
            guard reusable, !pool.closed else {
                pool.open -= 1
                return false
            }
            pool.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }

    private static func trimmingTrailingSlash(_ path: String) -> String {
        path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}

/// Run beside the services that use it, it closes the pool when the service group shuts down.
extension KeepAliveTransport: Service {
    package func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }
}
