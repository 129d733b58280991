import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP/1.1 server for client tests, counting the connections it accepts:
/// `/echo` answers 201 with the request's body and its path and `Idempotency-Key` in headers;
/// `/close` answers 200 with `Connection: close` and closes; `/never` never answers; `/drop` closes the
/// connection without answering, as a server that crashed would.
func withLoopbackServer(_ body: (_ baseURL: URL, _ accepted: AcceptCounter) async throws -> Void) async throws {
    let accepted = AcceptCounter()
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            accepted.increment()
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(LoopbackResponder())
            }
        }
        .bind(host: "127.0.0.1", port: 0)
        .get()
    let url = URL(string: "http://127.0.0.1:\(server.localAddress?.port ?? 0)")!
    do {
        try await body(url, accepted)
    } catch {
        try? await server.close()
        throw error
    }
    try await server.close()
}

final class AcceptCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

private final class LoopbackResponder: ChannelInboundHandler, RemovableChannelHandler {
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
            if head.uri.hasSuffix("/never") { return }
            if head.uri.hasSuffix("/drop") {
                context.close(promise: nil)
                return
            }
            if head.uri.hasSuffix("/close") {
                respond(context, .ok, ["Connection": "close"], ByteBuffer())
                context.close(promise: nil)
                return
            }
            let seen = ["X-Seen-Path": head.uri, "X-Seen-Key": head.headers["Idempotency-Key"].first ?? ""]
            respond(context, .created, seen, body)
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ headers: [String: String], _ body: ByteBuffer
    ) {
        var fields = HTTPHeaders(headers.map { ($0.key, $0.value) })
        fields.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
