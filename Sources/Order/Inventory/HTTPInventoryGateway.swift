import Foundation
import InventoryAPI
import OpenAPIRuntime
import WarehouseKit

/// Calls the inventory service through the client generated from its OpenAPI contract.
package struct HTTPInventoryGateway: InventoryGateway {
    private let client: Client

    /// - Parameter transport: `KeepAliveTransport` in the service; its deadline is only a backstop, the
    ///   caller enforces its own.
    package init(baseURL: URL, transport: any ClientTransport) {
        self.client = Client(
            serverURL: baseURL,
            configuration: .warehouse,
            transport: transport,
            middlewares: [RequestIDClientMiddleware()]
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
            return .applied
        case .ok(let replayed):
            InventorySignals.current?.noteGremlinDelay(replayed.headers.xGremlinDelay)
            return .applied
        case .conflict(let refused):
            InventorySignals.current?.noteGremlinDelay(refused.headers.xGremlinDelay)
            let deduction = try refused.body.json
            return .rejected(reason: deduction.reason ?? "Inventory refused the order.")
        case .unprocessableContent(let problem):
            // A definite refusal of this very request: retrying it cannot change the answer.
            let detail = (try? problem.body.applicationProblemJson.detail) ?? nil
            return .rejected(reason: "Inventory refused the order: \(detail ?? "invalid request").")
        case .badRequest, .contentTooLarge, .unsupportedMediaType:
            return .rejected(reason: "Inventory refused the order as malformed.")
        case .undocumented(let status, _):
            throw InventoryCallError.unavailable("answered HTTP \(status)")
        }
    }

    package func recordedOutcome(key: String, until deadline: ContinuousClock.Instant) async throws -> InventoryAnswer? {
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
            let deduction = try found.body.json
            switch deduction.outcome {
            case .applied: return .applied
            case .rejected: return .rejected(reason: deduction.reason ?? "Inventory refused the order.")
            }
        case .notFound:
            return nil
        case .undocumented(let status, _):
            throw InventoryCallError.unavailable("answered HTTP \(status)")
        }
    }

    /// A call that got no answer: `unreachable` when the connection failed (inventory restarting,
    /// say), which the breaker counts once per burst, `unavailable` otherwise.
    private static func failure(_ error: any Error) -> InventoryCallError {
        let why = ConnectionFailure.describe(error)
        return ConnectionFailure.isConnectionFailure(error) ? .unreachable(why) : .unavailable(why)
    }
}
