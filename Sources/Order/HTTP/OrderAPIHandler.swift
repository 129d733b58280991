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
    /// Checked before an order is acknowledged: an order written to a database file that is no longer
    /// the one at its path would be gone at the next start, so it gets a 503 instead of a 201.
    package let integrity: any StorageIntegrity
    /// How old an order an admin may retry: the Idempotency-Key retention, which inventory's deduction
    /// key retention outlasts (docs/SECURITY.md).
    package let retryWindow: Duration

    package init(
        placement: any OrderPlacing, repository: any OrderRepository, chaos: OrderChaos, logger: Logger,
        integrity: any StorageIntegrity = AlwaysIntact(), retryWindow: Duration = OrderPolicy().idempotencyRetention
    ) {
        self.placement = placement
        self.repository = repository
        self.chaos = chaos
        self.logger = logger
        self.integrity = integrity
        self.retryWindow = retryWindow
    }

    /// `POST /orders`, where the order flow starts. The body was validated before this runs:
    /// `RequestBodyMiddleware` checked it against `OrderBodySchemas` (every bad field listed in one 422)
    /// before the generated code decoded it. The `Idempotency-Key` is checked here; the rest is
    /// `OrderPlacement`'s.
    package func createOrder(_ input: Operations.CreateOrder.Input) async throws -> Operations.CreateOrder.Output {
        guard case .json(let body) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let key = input.headers.idempotencyKey
        if let key, !IdempotencyKey.isValid(key) { throw OrderError.invalidIdempotencyKey }
        let draft = NewOrder(customerId: body.customerId, items: body.items.map { OrderLine(sku: $0.sku, quantity: $0.quantity) })
        let signals = InventorySignals()
        let placed = try await InventorySignals.$current.withValue(signals) {
            try await self.placement.place(draft, idempotencyKey: key)
        }
        try integrity.verify()
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
        var query = OrderQuery(limit: input.query.limit ?? 50, offset: input.query.offset ?? 0, after: input.query.after)
        guard (1...OrderQuery.maximumLimit).contains(query.limit) else {
            throw RequestError.invalidParameter(name: "limit", detail: "must be between 1 and \(OrderQuery.maximumLimit)")
        }
        guard (0...OrderQuery.maximumOffset).contains(query.offset) else {
            throw RequestError.invalidParameter(
                name: "offset", detail: "must be between 0 and \(OrderQuery.maximumOffset); page deeper with after=<id of the last order>")
        }
        if let customerId = input.query.customerId {
            guard CustomerID.isValid(customerId) else {
                throw RequestError.invalidParameter(name: "customerId", detail: "must be 1 to 128 characters of printable text")
            }
            query.customerId = customerId
        }
        query.status = input.query.status.flatMap { OrderStatus(rawValue: $0.rawValue) }
        let orders: [Order]
        do {
            orders = try await repository.orders(query)
        } catch OrderStoreError.unknownCursor {
            throw RequestError.invalidParameter(name: "after", detail: "no order has this id")
        }
        return .ok(.init(body: .json(.init(orders: orders.map(Components.Schemas.Order.init)))))
    }

    /// `POST /admin/orders/{id}/retry`: a pending order due now (the reconciler's next look takes it).
    package func retryOrder(_ input: Operations.RetryOrder.Input) async throws -> Operations.RetryOrder.Output {
        let now = Date()
        guard let order = try await repository.order(id: input.path.id) else { throw OrderError.notFound(id: input.path.id) }
        guard order.status == .pending else { throw OrderError.notPending(id: order.id, status: order.status) }
        guard now.timeIntervalSince(order.createdAt) < Double(retryWindow.components.seconds) else {
            throw OrderError.tooOldToRetry(id: order.id)
        }
        guard let due = try await repository.retryNow(id: order.id, at: now) else { throw OrderError.notFound(id: order.id) }
        logger.notice("order retried by an admin", metadata: ["order_id": "\(order.id)", "needs_attention": "\(order.needsAttention)"])
        return .accepted(.init(body: .json(.init(due))))
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
            updatedAt: order.updatedAt,
            needsAttention: order.status == .pending && order.needsAttention ? true : nil
        )
    }
}

extension Components.Schemas.OrderChaosSettings {
    init(_ errorAfterStore: ChaosSelector) {
        let (every, fraction, seed) = errorAfterStore.fields
        self.init(errorAfterStore: .init(every: every, fraction: fraction, seed: seed))
    }
}
