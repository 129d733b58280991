import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing
import WarehouseKit

/// The order service's transport to inventory, against a loopback server that counts connections.
@Suite("KeepAliveTransport", .timeLimit(.minutes(5)))
struct KeepAliveTransportTests {
    func post(_ transport: KeepAliveTransport, _ baseURL: URL, _ path: String, body: String = "{}", key: String = "k")
        async throws -> (status: Int, headers: HTTPFields, body: String)
    {
        var request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: path)
        request.headerFields[.contentType] = "application/json"
        request.headerFields[HTTPField.Name("Idempotency-Key")!] = key
        let (response, responseBody) = try await transport.send(
            request, body: HTTPBody(body), baseURL: baseURL, operationID: "op")
        var text = ""
        if let responseBody { text = try await String(collecting: responseBody, upTo: 1 << 20) }
        return (response.status.code, response.headerFields, text)
    }

    @Test("sequential requests share one connection; replies come back whole")
    func keepAlive() async throws {
        try await withLoopbackServer { baseURL, accepted in
            let transport = KeepAliveTransport()
            for number in 1...20 {
                let reply = try await post(transport, baseURL, "/echo", body: #"{"n":\#(number)}"#, key: "k-\(number)")
                #expect(reply.status == 201)
                #expect(reply.headers[HTTPField.Name("X-Seen-Key")!] == "k-\(number)")
                #expect(reply.body == #"{"n":\#(number)}"#)
            }
            #expect(accepted.value == 1)
            transport.shutdown()
            await #expect(throws: KeepAliveTransport.ShutDown.self) { try await post(transport, baseURL, "/echo") }
        }
    }

    @Test("concurrent requests open connections as needed, and later ones reuse them")
    func pool() async throws {
        try await withLoopbackServer { baseURL, accepted in
            let transport = KeepAliveTransport()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for number in 1...10 { group.addTask { try await post(transport, baseURL, "/echo", key: "k-\(number)").status } }
                for try await status in group { #expect(status == 201) }
            }
            let opened = accepted.value
            #expect((1...10).contains(opened))
            for _ in 1...10 { _ = try await post(transport, baseURL, "/echo") }
            #expect(accepted.value == opened)
            transport.shutdown()
        }
    }

    @Test("the base URL's path prefixes the operation's")
    func basePath() async throws {
        try await withLoopbackServer { baseURL, _ in
            let transport = KeepAliveTransport()
            let reply = try await post(transport, baseURL.appendingPathComponent("api"), "/echo")
            #expect(reply.headers[HTTPField.Name("X-Seen-Path")!] == "/api/echo")
            transport.shutdown()
        }
    }

    @Test("a reply that closes the connection is delivered, and the next request opens a new one")
    func connectionClose() async throws {
        try await withLoopbackServer { baseURL, accepted in
            let transport = KeepAliveTransport()
            let closing = try await post(transport, baseURL, "/close")
            #expect(closing.status == 200)
            let next = try await post(transport, baseURL, "/echo")
            #expect(next.status == 201)
            #expect(accepted.value == 2)
            transport.shutdown()
        }
    }

    @Test("no reply within the timeout fails the request and retires its connection")
    func timeout() async throws {
        try await withLoopbackServer { baseURL, accepted in
            var configuration = KeepAliveTransport.Configuration()
            // Also the limit of the request after it, which must answer: long enough for a crowded test run.
            configuration.requestTimeout = .seconds(5)
            let transport = KeepAliveTransport(configuration: configuration)
            await #expect(throws: KeepAliveConnection.Timeout.self) { try await post(transport, baseURL, "/never") }
            let next = try await post(transport, baseURL, "/echo")
            #expect(next.status == 201)
            #expect(accepted.value == 2)
            transport.shutdown()
        }
    }

    @Test("a cancelled request stops at once, and past the limit of connections requests fail fast")
    func cancellationAndLimit() async throws {
        try await withLoopbackServer { baseURL, accepted in
            var configuration = KeepAliveTransport.Configuration()
            configuration.maximumConnections = 1
            let transport = KeepAliveTransport(configuration: configuration)
            let hanging = Task { try await post(transport, baseURL, "/never") }
            while accepted.value < 1 { await Task.yield() }
            // The one connection is busy (or about to be): the next request must not queue behind it.
            await #expect(throws: KeepAliveTransport.PoolExhausted.self) { try await post(transport, baseURL, "/echo") }
            hanging.cancel()
            await #expect(throws: CancellationError.self) { try await hanging.value }
            let next = try await post(transport, baseURL, "/echo")
            #expect(next.status == 201)
            transport.shutdown()
        }
    }

    @Test("a server that is not there fails the request, as a connection failure")
    func refused() async throws {
        var port = 0
        try await withLoopbackServer { baseURL, _ in port = baseURL.port ?? 0 }
        let transport = KeepAliveTransport()
        let error = await #expect(throws: (any Error).self) {
            try await post(transport, URL(string: "http://127.0.0.1:\(port)")!, "/echo")
        }
        #expect(error.map(ConnectionFailure.isConnectionFailure) == true, "\(String(describing: error))")
    }

    @Test("a connection the server closes without answering is a connection failure; a timeout is not")
    func connectionFailures() async throws {
        try await withLoopbackServer { baseURL, _ in
            // The default 30 s timeout: however starved a test run, the server's close comes first.
            let transport = KeepAliveTransport()
            let dropped = await #expect(throws: (any Error).self) { try await post(transport, baseURL, "/drop") }
            #expect(dropped.map(ConnectionFailure.isConnectionFailure) == true, "\(String(describing: dropped))")
            transport.shutdown()

            var configuration = KeepAliveTransport.Configuration()
            configuration.requestTimeout = .milliseconds(200)
            let impatient = KeepAliveTransport(configuration: configuration)
            let slow = await #expect(throws: KeepAliveConnection.Timeout.self) { try await post(impatient, baseURL, "/never") }
            #expect(slow.map(ConnectionFailure.isConnectionFailure) == false)
            impatient.shutdown()
        }
    }
}
