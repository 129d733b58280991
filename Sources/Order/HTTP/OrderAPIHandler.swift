import Foundation
import Logging
import OpenAPIRuntime
import OrderAPI
import WarehouseKit

/// The order API: generated types in, generated types out, the placement and the repository in between.
package struct OrderAPIHandler: APIProtocol {
    package let placement: any OrderPlacing
    package let repository: any OrderRepository
    package let chaos: OrderChaos
    package let logger: Logger

    package init(placement: any OrderPlacing, repository: any OrderRepository, chaos: OrderChaos, logger: Logger) {
        self.placement = placement
        self.repository = repository
        self.chaos = chaos
        self.logger = logger
    }

    /// `POST /orders`, where the order flow starts. The body was validated before this runs:
    /// `RequestBodyMiddleware` checked it against `OrderBodySchemas` (every bad field listed in one 422)
    /// before the generated code decoded it. The `Idempotency-Key` is checked here; the rest is
    /// `OrderPlacement`'s.
    package func createOrder(_ input: Operations.CreateOrder.Input) async throws -> Operations.CreateOrder.Output {
        guard case .json(let body) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let key = input.headers.idempotencyKey
        if let key, !Self.isValidIdempotencyKey(key) { throw OrderError.invalidIdempotencyKey }
        let draft = NewOrder(customerId: body.customerId, items: body.items.map { OrderLine(sku: $0.sku, quantity: $0.quantity) })
        let signals = InventorySignals()
        let placed = try await InventorySignals.$current.withValue(signals) {
            try await self.placement.place(draft, idempotencyKey: key)
        }
        if chaos.strikes(placed, idempotencyKey: key) {
            logger.warning(
                "chaos: answering 500 after the order was stored", metadata: ["order_id": "\(placed.order.id)"])
            throw OrderError.injectedAfterStore
        }
        let order = placed.order
        let headers = Operations.CreateOrder.Output.Created.Headers(
            location: "/orders/\(order.id)",
            idempotentReplayed: placed.replayed ? "true" : nil,
            xGremlinDelay: signals.gremlinDelayMilliseconds.map(String.init)
        )
        let representation = Components.Schemas.Order(order)
        switch order.status {
        case .shipped:
            return .created(.init(headers: headers, body: .json(representation)))
        case .pending:
            return .accepted(
                .init(
                    headers: .init(
                        location: headers.location,
                        idempotentReplayed: headers.idempotentReplayed,
                        xGremlinDelay: headers.xGremlinDelay
                    ),
                    body: .json(representation)
                ))
        case .rejected:
            return .conflict(
                .init(
                    headers: .init(
                        location: headers.location,
                        idempotentReplayed: headers.idempotentReplayed,
                        xGremlinDelay: headers.xGremlinDelay
                    ),
                    body: .json(representation)
                ))
        }
    }

    package func getOrder(_ input: Operations.GetOrder.Input) async throws -> Operations.GetOrder.Output {
        guard let order = try await repository.order(id: input.path.id) else {
            throw OrderError.notFound(id: input.path.id)
        }
        return .ok(.init(body: .json(.init(order))))
    }

    package func listOrders(_ input: Operations.ListOrders.Input) async throws -> Operations.ListOrders.Output {
        let limit = input.query.limit ?? 50
        guard (1...500).contains(limit) else {
            throw RequestError.invalidParameter(name: "limit", detail: "must be between 1 and 500")
        }
        let offset = input.query.offset ?? 0
        guard offset >= 0 else { throw RequestError.invalidParameter(name: "offset", detail: "must not be negative") }
        let status = input.query.status.flatMap { OrderStatus(rawValue: $0.rawValue) }
        let orders = try await repository.orders(status: status, limit: limit, offset: offset)
        return .ok(.init(body: .json(.init(orders: orders.map(Components.Schemas.Order.init)))))
    }

    package func getChaos(_ input: Operations.GetChaos.Input) async throws -> Operations.GetChaos.Output {
        .ok(.init(body: .json(.init(chaos.selector))))
    }

    package func putChaos(_ input: Operations.PutChaos.Input) async throws -> Operations.PutChaos.Output {
        guard case .json(let body) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let selector = try ChaosSelector(
            every: body.errorAfterStore?.every,
            fraction: body.errorAfterStore?.fraction,
            seed: body.errorAfterStore?.seed,
            at: "/errorAfterStore"
        )
        chaos.selector = selector
        logger.notice("chaos settings changed", metadata: ["errorAfterStore": "\(selector)"])
        return .ok(.init(body: .json(.init(selector))))
    }

    /// 1 to 255 printable ASCII characters, as the contract says.
    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}

extension Components.Schemas.Order {
    init(_ order: Order) {
        self.init(
            id: order.id,
            customerId: order.customerId,
            items: order.items.map { .init(sku: $0.sku, quantity: $0.quantity) },
            status: Components.Schemas.OrderStatus(rawValue: order.status.rawValue) ?? .pending,
            message: order.message,
            reason: order.reason,
            createdAt: order.createdAt,
            updatedAt: order.updatedAt
        )
    }
}

extension Components.Schemas.OrderChaosSettings {
    init(_ errorAfterStore: ChaosSelector) {
        let (every, fraction, seed) = errorAfterStore.fields
        self.init(errorAfterStore: .init(every: every, fraction: fraction, seed: seed))
    }
}
