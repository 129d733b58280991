import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What sends a request and reads its reply whole: `LabHTTP`'s pool, or one `KeepAliveHTTPConnection`.
package protocol HTTPSending: Sendable {
    func send(
        _ method: HTTPMethod,
        _ url: String,
        json: Data?,
        headers: [(String, String)],
        timeout: Duration
    ) async throws -> LabHTTP.Reply
}

extension LabHTTP: HTTPSending {}

/// One keep-alive HTTP/1.1 connection, one request at a time: a load worker's own line to the order
/// service.
///
/// The load generator shares the machine with the services it measures. Through AsyncHTTPClient's pool
/// it cost about 0.35 ms of CPU per order, a third of what the services themselves spend (issue 6);
/// a bare NIO channel with the HTTP/1.1 codec and a handler that hands back the one reply it waits for
/// costs a fraction of that, as `wrk` does. A broken connection fails the request in flight and is
/// opened again on the next one.
package actor KeepAliveHTTPConnection: HTTPSending {
    /// The reply did not come within the request's timeout; the connection was closed.
    package struct Timeout: Error {}
    /// The connection closed before the reply was complete.
    package struct Closed: Error {}

    private let host: String
    private let port: Int
    private var open: (channel: any Channel, collector: NIOLoopBound<ReplyCollector>)?

    /// - Parameter baseURL: `http://host:port`; the URLs given to `send` must start with it.
    package init(baseURL: String) throws {
        guard let url = URL(string: baseURL), url.scheme == "http", let host = url.host else {
            throw LabError.unexpected("not an http:// URL: \(baseURL)")
        }
        self.host = host
        self.port = url.port ?? 80
    }

    package func send(
        _ method: HTTPMethod,
        _ url: String,
        json: Data?,
        headers: [(String, String)],
        timeout: Duration
    ) async throws -> LabHTTP.Reply {
        let (channel, collector) = try await connection()
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: Self.path(of: url))
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let json {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(json.count))
        }
        let request = head
        let promise = channel.eventLoop.makePromise(of: LabHTTP.Reply.self)
        channel.eventLoop.execute {
            collector.value.expect(promise)
            channel.write(HTTPClientRequestPart.head(request), promise: nil)
            if let json { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: json))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.milliseconds * 1_000_000))) {
            promise.fail(Timeout())
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch {
            open = nil
            try? await channel.close()
            throw error
        }
    }

    /// Closes the connection, if open.
    package func close() async {
        guard let (channel, _) = open else { return }
        open = nil
        try? await channel.close()
    }

    private func connection() async throws -> (any Channel, NIOLoopBound<ReplyCollector>) {
        if let open, open.channel.isActive { return open }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector())
                }
            }
            .connect(host: host, port: port)
            .get()
        let collector = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ReplyCollector.self), eventLoop: channel.eventLoop)
        }.get()
        open = (channel, collector)
        return (channel, collector)
    }

    /// `/orders` from `http://127.0.0.1:8080/orders`.
    static func path(of url: String) -> String {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else {
            return "/"
        }
        return String(url[slash...])
    }
}

/// Collects the reply to the one request in flight and completes its promise; lives on the channel's
/// event loop.
final class ReplyCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<LabHTTP.Reply>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    func expect(_ promise: EventLoopPromise<LabHTTP.Reply>) {
        self.promise = promise
        head = nil
        body.clear()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head, let promise else { return }
            self.promise = nil
            promise.succeed(
                LabHTTP.Reply(status: Int(head.status.code), headers: head.headers, body: Data(body.readableBytesView)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(KeepAliveHTTPConnection.Closed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        promise?.fail(error)
        promise = nil
    }
}
