import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The lab's HTTP client: one pool with room for a real load, and replies read whole.
package struct LabHTTP: Sendable {
    package struct Reply: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: Data

        package func json<T: Decodable>(_ type: T.Type) throws -> T {
            try LabHTTP.decoder.decode(type, from: body)
        }
    }

    package let client: HTTPClient

    /// - Parameter connectTimeout: how long a request may wait to be connected, for a new connection
    ///   or for one of the pool's to come free (AsyncHTTPClient counts both against it). A shopper's
    ///   client gives up soon, and counts the wait into the answer's time; a test that sends hundreds
    ///   at once on a starved machine must not fail for the wait.
    package init(connectionsPerHost: Int = 256, connectTimeout: Duration = .seconds(2)) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        configuration.timeout = .init(connect: TimeAmount(connectTimeout), read: .seconds(30))
        // A refused connection is the answer of a service being restarted: the caller (a shopper's
        // client) sees it and retries on its own terms. The pool's own retries back off up to a minute
        // and would count their waiting, unseen, into the time of the next answer.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    package func shutdown() async {
        try? await client.shutdown()
    }

    /// Sends `json` as the body, with `Content-Type: application/json`.
    package func send(
        _ method: HTTPMethod,
        _ url: String,
        json: Data? = nil,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        let contentType = json == nil ? [] : [("Content-Type", "application/json")]
        return try await send(method, url, body: json, headers: contentType + headers, timeout: timeout)
    }

    /// Sends `body` with exactly the `headers` given (a test of a wrong content type, say).
    package func send(
        _ method: HTTPMethod,
        _ url: String,
        body: Data?,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// Reads the contract's JSON: dates in ISO 8601, with or without fractional seconds.
    package static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) {
                return date
            }
            return try Date(text, strategy: .iso8601)
        }
        return decoder
    }()
}

/// The public contract, as a client of the order and inventory services sees it.
package enum Contract {
    package struct Line: Codable, Sendable, Equatable {
        package var sku: String
        package var quantity: Int

        package init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    /// Just what a client needs of an order's answer: its id and state.
    package struct OrderState: Codable, Sendable {
        package var id: String
        package var status: String
    }

    package struct Order: Codable, Sendable {
        package var id: String
        package var customerId: String
        package var items: [Line]
        package var status: String
        package var message: String
        package var reason: String?
        package var createdAt: Date?
        /// When the order reached its state (for a final order, when it became final).
        package var updatedAt: Date?

        package init(
            id: String, customerId: String, items: [Line], status: String, message: String, reason: String?,
            createdAt: Date? = nil, updatedAt: Date? = nil
        ) {
            self.id = id
            self.customerId = customerId
            self.items = items
            self.status = status
            self.message = message
            self.reason = reason
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    package struct OrderList: Codable, Sendable {
        package var orders: [Order]
    }

    package struct Product: Codable, Sendable {
        package var sku: String
        package var name: String
        package var stock: Int
    }

    package struct ProductList: Codable, Sendable {
        package var products: [Product]
    }

    /// Inventory's fault ledger (`GET /admin/faults`).
    package struct FaultLedger: Codable, Sendable, Equatable {
        package struct Count: Codable, Sendable, Equatable {
            package var kind: String
            package var deductions: Int
            package var injections: Int

            package init(kind: String, deductions: Int, injections: Int) {
                self.kind = kind
                self.deductions = deductions
                self.injections = injections
            }
        }

        package var deductions: Int
        package var faults: [Count]

        package init(deductions: Int, faults: [Count]) {
            self.deductions = deductions
            self.faults = faults
        }
    }
}
