import Foundation
import InventoryAPI
import OpenAPIRuntime
import WarehouseKit

/// Calls the inventory service through the client generated from its OpenAPI contract, showing it the
/// service token.
package struct HTTPInventoryGateway: InventoryGateway {
    private let client: Client

    /// - Parameters:
    ///   - transport: `KeepAliveTransport` in the service; its deadline is only a backstop, the caller
    ///     enforces its own.
    ///   - token: the service token, which inventory's deduction endpoints require.
    package init(baseURL: URL, transport: any ClientTransport, token: BearerToken) {
        self.client = Client(
            serverURL: baseURL,
            configuration: .warehouse,
            transport: transport,
            middlewares: [RequestIDClientMiddleware(), BearerClientMiddleware(token: token)]
        )
    }

    package func deduct(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer
    {
        let output: Operations.DeductStock.Output
        do {
            output = try await client.deductStock(
                path: .init(key: key),
                body: .json(.init(items: lines.map { .init(sku: $0.sku, quantity: $0.quantity) }))
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as ClientError {
            throw Self.failure(error.underlyingError)
        }
        switch output {
        case .created(let applied):
            InventorySignals.current?.noteGremlinDelay(applied.headers.xGremlinDelay)
            return try Self.answer(try applied.body.json, key: key, lines: lines)
        case .ok(let replayed):
            InventorySignals.current?.noteGremlinDelay(replayed.headers.xGremlinDelay)
            return try Self.answer(try replayed.body.json, key: key, lines: lines)
        case .conflict(let refused):
            InventorySignals.current?.noteGremlinDelay(refused.headers.xGremlinDelay)
            return try Self.answer(try refused.body.json, key: key, lines: lines)
        case .unprocessableContent(let problem):
            // Inventory refused the request, not the order: the key was used for other lines (by a
            // stranger, say), or the two services disagree on the contract. Neither settles the order.
            let detail = (try? problem.body.applicationProblemJson.detail) ?? nil
            throw InventoryCallError.disputed("inventory refused the request: \(detail ?? "HTTP 422")")
        case .badRequest, .contentTooLarge, .unsupportedMediaType:
            throw InventoryCallError.disputed("inventory refused the request as malformed")
        case .unauthorized:
            throw Self.refusedToken
        case .undocumented(let status, _):
            throw InventoryCallError.unavailable("answered HTTP \(status)")
        }
    }

    package func recordedOutcome(key: String, lines: [OrderLine], until deadline: ContinuousClock.Instant) async throws
        -> InventoryAnswer?
    {
        let output: Operations.GetDeduction.Output
        do {
            output = try await client.getDeduction(path: .init(key: key))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as ClientError {
            throw Self.failure(error.underlyingError)
        }
        switch output {
        case .ok(let found):
            return try Self.answer(try found.body.json, key: key, lines: lines)
        case .notFound:
            return nil
        case .badRequest:
            throw InventoryCallError.disputed("inventory refused the key as malformed")
        case .unauthorized:
            throw Self.refusedToken
        case .undocumented(let status, _):
            throw InventoryCallError.unavailable("answered HTTP \(status)")
        }
    }

    /// The outcome inventory recorded under `key`, once its record is shown to be about `lines`: a
    /// record for other lines (made by whoever used the order's key first) settles nothing.
    static func answer(_ deduction: Components.Schemas.Deduction, key: String, lines: [OrderLine]) throws -> InventoryAnswer {
        let recorded = deduction.items.map { OrderLine(sku: $0.sku, quantity: $0.quantity) }
        guard deduction.key == key, OrderLine.merged(recorded) == OrderLine.merged(lines) else {
            throw InventoryCallError.disputed("the deduction recorded under key \(key) is for other lines than the order's")
        }
        switch deduction.outcome {
        case .applied: return .applied
        case .rejected: return .rejected(reason: deduction.reason ?? "Inventory refused the order.")
        }
    }

    /// Inventory does not take this install's service token: the two services were given different ones.
    /// Nothing is settled; an operator mends the configuration and the reconciler goes on.
    private static let refusedToken = InventoryCallError.unavailable(
        "inventory refused the service token (HTTP 401); give both services the same WAREHOUSE_SERVICE_TOKEN")

    /// A call that got no answer: `unreachable` when the connection failed (inventory restarting,
    /// say), which the breaker counts once per burst, `unavailable` otherwise.
    private static func failure(_ error: any Error) -> InventoryCallError {
        let why = ConnectionFailure.describe(error)
        return ConnectionFailure.isConnectionFailure(error) ? .unreachable(why) : .unavailable(why)
    }
}
