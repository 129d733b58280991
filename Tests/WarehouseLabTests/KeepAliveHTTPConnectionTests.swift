import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
import WarehouseLab

/// The load generator's own connection against a small NIO server that counts the connections it accepts.
@Suite("KeepAliveHTTPConnection", .timeLimit(.minutes(1)))
struct KeepAliveHTTPConnectionTests {
    @Test("many requests share one connection; replies come back whole with status, headers and body")
    func keepAlive() async throws {
        try await withServer { baseURL, accepted in
            let connection = try KeepAliveHTTPConnection(baseURL: baseURL)
            for number in 1...20 {
                let reply = try await connection.send(
                    .POST, baseURL + "/echo", json: Data(#"{"n":\#(number)}"#.utf8),
                    headers: [("Idempotency-Key", "k-\(number)")],
                    timeout: .seconds(5))
                #expect(reply.status == 201)
                #expect(reply.headers["X-Seen-Key"].first == "k-\(number)")
                #expect(reply.headers["X-Seen-Path"].first == "/echo")
                #expect(String(decoding: reply.body, as: UTF8.self) == #"{"n":\#(number)}"#)
            }
            #expect(accepted.value == 1)
            await connection.close()
        }
    }

    @Test("a connection the server closed is opened again for the next request")
    func reconnects() async throws {
        try await withServer { baseURL, accepted in
            let connection = try KeepAliveHTTPConnection(baseURL: baseURL)
            #expect(
                try await connection.send(.GET, baseURL + "/close", json: nil, headers: [], timeout: .seconds(5)).status == 200)
            // The server closes after that reply; the next request may find the socket already shut.
            var status = 0
            for _ in 0..<2 where status == 0 {
                status =
                    (try? await connection.send(.GET, baseURL + "/echo", json: nil, headers: [], timeout: .seconds(5)).status)
                    ?? 0
            }
            #expect(status == 201)
            #expect(accepted.value == 2)
            await connection.close()
        }
    }

    @Test("no reply within the timeout fails the request, and the next one gets a fresh connection")
    func timesOut() async throws {
        try await withServer { baseURL, accepted in
            let connection = try KeepAliveHTTPConnection(baseURL: baseURL)
            await #expect(throws: KeepAliveHTTPConnection.Timeout.self) {
                try await connection.send(.GET, baseURL + "/never", json: nil, headers: [], timeout: .milliseconds(200))
            }
            #expect(
                try await connection.send(.GET, baseURL + "/echo", json: nil, headers: [], timeout: .seconds(5)).status == 201)
            #expect(accepted.value == 2)
            await connection.close()
        }
    }

    @Test("only http:// URLs")
    func rejectsOtherURLs() {
        #expect(throws: (any Error).self) { try KeepAliveHTTPConnection(baseURL: "https://127.0.0.1:1") }
        #expect(throws: (any Error).self) { try KeepAliveHTTPConnection(baseURL: "not a url") }
    }
}

/// Runs `body` against a loopback server: `/echo` answers 201 with the request's body, path and
/// `Idempotency-Key`; `/close` answers 200 and closes; `/never` never answers.
private func withServer(_ body: (_ baseURL: String, _ accepted: Counter) async throws -> Void) async throws {
    let accepted = Counter()
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            accepted.increment()
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(TestResponder())
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .get()
    do {
        try await body("http://127.0.0.1:\(server.localAddress?.port ?? 0)", accepted)
    } catch {
        try? await server.close()
        throw error
    }
    try await server.close()
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

private final class TestResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            switch head.uri {
            case "/never":
                return
            case "/close":
                respond(context, status: .ok, headers: ["Connection": "close"], body: ByteBuffer())
                context.close(promise: nil)
            default:
                respond(
                    context, status: .created,
                    headers: [
                        "X-Seen-Path": head.uri, "X-Seen-Key": head.headers["Idempotency-Key"].first ?? "",
                    ],
                    body: body)
            }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, headers: [String: String], body: ByteBuffer
    ) {
        var fields = HTTPHeaders(headers.map { ($0.key, $0.value) })
        fields.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
