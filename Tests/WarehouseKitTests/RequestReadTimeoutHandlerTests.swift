import HTTPTypes
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing
@testable import WarehouseKit

/// The time limit on reading a request (`--body-timeout-ms`), on an embedded channel whose clock the
/// test moves: it closes only a connection whose request has begun and not ended in time, never one
/// that is idle between keep-alive requests, waiting for its response, or reading a request without a body.
@Suite("Request read timeout")
struct RequestReadTimeoutHandlerTests {
    private static let timeout = TimeAmount.seconds(10)

    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            RequestReadTimeoutHandler(timeout: Self.timeout, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func head(_ method: HTTPRequest.Method = .get) -> HTTPRequestPart {
        .head(HTTPRequest(method: method, scheme: nil, authority: "127.0.0.1", path: "/orders"))
    }

    @Test("keep-alive: requests without a body, then a long wait for the response and between requests, never close")
    func keepAliveNeverCloses() throws {
        let channel = try channel()
        for _ in 0..<3 {
            try channel.writeInbound(head())
            try channel.writeInbound(HTTPRequestPart.end(nil))
            // The response takes long, then the connection sits idle: neither is this limit's business.
            channel.embeddedEventLoop.advanceTime(by: Self.timeout * 5)
            #expect(channel.isActive)
        }
        try channel.writeInbound(head(.post))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{}")))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: Self.timeout * 5)
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("a request whose end does not arrive in time closes its connection")
    func slowBodyCloses() throws {
        let channel = try channel()
        try channel.writeInbound(head())
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(head(.post))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{")))
        channel.embeddedEventLoop.advanceTime(by: Self.timeout - .milliseconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }
}
