import AsyncHTTPClient
import NIOCore
import NIOPosix
import Testing
import WarehouseKit

/// "Connection refused" as NIO and AsyncHTTPClient really report it, told apart by the error's type.
@Suite("ConnectionFailure", .timeLimit(.minutes(5)))
struct ConnectionFailureTests {
    /// A loopback port nobody listens on: bound by the kernel's choice, then closed.
    func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    @Test("a refused connection of a bare NIO client")
    func bareClient() async throws {
        let port = try await closedPort()
        do {
            _ = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
            Issue.record("connected to a closed port")
        } catch {
            #expect(ConnectionFailure.isConnectionRefused(error), "\(error)")
            #expect(ConnectionFailure.describe(error) == "connection refused")
        }
    }

    @Test("a refused connection of the services' HTTP client")
    func httpClient() async throws {
        let port = try await closedPort()
        let client = HTTPClient.forServices(connectionsPerHost: 1)
        do {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"), timeout: .seconds(30))
            Issue.record("connected to a closed port")
        } catch {
            #expect(ConnectionFailure.describe(error, timeout: .seconds(30)) == "connection refused", "\(error)")
        }
        try await client.shutdown()
    }

    @Test("timeouts name the caller's limit; anything else is said as it is")
    func otherFailures() {
        #expect(ConnectionFailure.describe(HTTPClientError.deadlineExceeded, timeout: .milliseconds(700)) == "no answer within 700 ms")
        #expect(ConnectionFailure.describe(HTTPClientError.remoteConnectionClosed) == "connection closed before an answer")
        #expect(ConnectionFailure.describe(ChannelError.connectTimeout(.seconds(1))) == "connect timeout")
        #expect(!ConnectionFailure.isConnectionRefused(ChannelError.ioOnClosedChannel))
    }
}
