import Foundation
import InventoryAPI
import Logging
import OpenAPIRuntime
import WarehouseKit

/// The inventory API: generated types in, generated types out, the repository in between.
package struct InventoryAPIHandler: APIProtocol {
    package let repository: any InventoryRepository
    package let logger: Logger

    package init(repository: any InventoryRepository, logger: Logger) {
        self.repository = repository
        self.logger = logger
    }

    package func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        let products = try await repository.products()
        return .ok(.init(body: .json(.init(products: products.map(Components.Schemas.Product.init)))))
    }

    package func getProduct(_ input: Operations.GetProduct.Input) async throws -> Operations.GetProduct.Output {
        guard let product = try await repository.product(sku: input.path.sku) else {
            throw InventoryError.productNotFound(sku: input.path.sku)
        }
        return .ok(.init(body: .json(.init(product))))
    }

    package func putProduct(_ input: Operations.PutProduct.Input) async throws -> Operations.PutProduct.Output {
        guard SKU.isValid(input.path.sku) else { throw InventoryError.invalidSKU(input.path.sku) }
        guard case .json(let update) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let product = Product(sku: input.path.sku, name: update.name, stock: update.stock)
        let created = try await repository.upsert(product)
        logger.info(
            "product \(created ? "created" : "restocked")", metadata: ["sku": "\(product.sku)", "stock": "\(product.stock)"])
        return created
            ? .created(.init(body: .json(.init(product))))
            : .ok(.init(body: .json(.init(product))))
    }

    package func deductStock(_ input: Operations.DeductStock.Input) async throws -> Operations.DeductStock.Output {
        guard case .json(let request) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let key = input.path.key
        guard (1...255).contains(key.utf8.count) else {
            throw RequestError.invalidParameter(name: "key", detail: "must be 1 to 255 bytes")
        }
        let lines = request.items.map { StockLine(sku: $0.sku, quantity: $0.quantity) }
        let result = try await repository.deduct(key: key, lines: lines)
        logger.info(
            "deduction \(result.replayed ? "replayed" : "recorded")",
            metadata: ["deduction_key": "\(key)", "outcome": "\(result.record.outcome.name)"]
        )
        let body = Components.Schemas.Deduction(result.record)
        let replayed = result.replayed ? "true" : nil
        switch (result.record.outcome, result.replayed) {
        case (.applied, false):
            return .created(.init(body: .json(body)))
        case (.applied, true):
            return .ok(.init(headers: .init(idempotentReplayed: replayed), body: .json(body)))
        case (.rejected, _):
            return .conflict(.init(headers: .init(idempotentReplayed: replayed), body: .json(body)))
        }
    }

    package func getDeduction(_ input: Operations.GetDeduction.Input) async throws -> Operations.GetDeduction.Output {
        guard let record = try await repository.deduction(key: input.path.key) else {
            throw InventoryError.deductionNotFound(key: input.path.key)
        }
        return .ok(.init(body: .json(.init(record))))
    }
}

extension DeductionOutcome {
    var name: String {
        switch self {
        case .applied: "applied"
        case .rejected: "rejected"
        }
    }
}

extension Components.Schemas.Product {
    init(_ product: Product) {
        self.init(sku: product.sku, name: product.name, stock: product.stock)
    }
}

extension Components.Schemas.Deduction {
    init(_ record: DeductionRecord) {
        var sku: String?
        var reason: String?
        if case .rejected(let rejectedSKU, let why) = record.outcome {
            sku = rejectedSKU
            reason = why
        }
        self.init(
            key: record.key,
            outcome: record.outcome == .applied ? .applied : .rejected,
            reason: reason,
            sku: sku,
            items: record.lines.map { .init(sku: $0.sku, quantity: $0.quantity) },
            recordedAt: record.recordedAt
        )
    }
}
