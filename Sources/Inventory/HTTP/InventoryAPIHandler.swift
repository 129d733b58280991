import Foundation
import InventoryAPI
import Logging
import OpenAPIRuntime
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// The inventory API: generated types in, generated types out, the repository and the deduction in
/// between, and the chaos settings deciding which deductions to delay or to break after they commit.
package struct InventoryAPIHandler: APIProtocol {
    package let repository: any InventoryRepository
    /// How a deduction is made: `RecordedDeduction`, or `NaiveDeduction` for the comparison only.
    package let deduction: any StockDeduction
    package let chaos: ChaosControl
    package let logger: Logger
    /// What "the process exits before replying" does; tests in process replace it.
    package let crash: @Sendable () -> Void

    package init(
        repository: any InventoryRepository,
        deduction: (any StockDeduction)? = nil,
        chaos: ChaosControl,
        logger: Logger,
        crash: @escaping @Sendable () -> Void = { _exit(ChaosControl.crashExitStatus) }
    ) {
        self.repository = repository
        self.deduction = deduction ?? RecordedDeduction(repository: repository)
        self.chaos = chaos
        self.logger = logger
        self.crash = crash
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
        let settings = chaos.settings
        let ordinal = settings.needsOrdinal ? try await repository.ordinal(of: key) : nil
        let decision = settings.decide(key: key, ordinal: ordinal)

        if decision.placement == .beforeCommit { await holdBack(key, decision) }
        // The faults about to strike go to the ledger in the deduction's own transaction.
        let plan = decision.faults
        let result = try await deduction.deduct(key: key, lines: lines, faults: plan)
        logger.info(
            "deduction \(result.replayed ? "replayed" : "recorded")",
            metadata: ["deduction_key": "\(key)", "outcome": "\(result.record.outcome.name)"]
        )
        if decision.placement == .afterCommit { await holdBack(key, decision) }
        let strikes = plan.kinds(replayed: result.replayed)
        if strikes.contains(.crashAfterCommit) {
            logger.critical("chaos: exiting after commit, before answering", metadata: ["deduction_key": "\(key)"])
            chaos.countCrash()
            crash()
        }
        if strikes.contains(.errorAfterCommit) {
            logger.warning("chaos: answering 500 after commit", metadata: ["deduction_key": "\(key)"])
            chaos.countError()
            throw InventoryError.injectedErrorAfterCommit
        }

        var record = result.record
        record.ordinal = ordinal
        let body = Components.Schemas.Deduction(record)
        let replayed = result.replayed ? "true" : nil
        let delayed = decision.delay.map { String(Int($0.milliseconds)) }
        switch (result.record.outcome, result.replayed) {
        case (.applied, false):
            return .created(.init(headers: .init(xGremlinDelay: delayed), body: .json(body)))
        case (.applied, true):
            return .ok(.init(headers: .init(idempotentReplayed: replayed, xGremlinDelay: delayed), body: .json(body)))
        case (.rejected, _):
            return .conflict(.init(headers: .init(idempotentReplayed: replayed, xGremlinDelay: delayed), body: .json(body)))
        }
    }

    /// The gremlin's delay, when the decision has one: logged with the key, counted, then slept.
    private func holdBack(_ key: String, _ decision: ChaosDecision) async {
        guard let delay = decision.delay else { return }
        logger.info(
            "gremlin delays deduction",
            metadata: ["deduction_key": "\(key)", "delay": "\(delay)", "placement": "\(decision.placement.rawValue)"]
        )
        chaos.countDelay()
        try? await Task.sleep(for: delay)
    }

    package func getDeduction(_ input: Operations.GetDeduction.Input) async throws -> Operations.GetDeduction.Output {
        guard let record = try await repository.deduction(key: input.path.key) else {
            throw InventoryError.deductionNotFound(key: input.path.key)
        }
        return .ok(.init(body: .json(.init(record))))
    }

    package func getFaults(_ input: Operations.GetFaults.Input) async throws -> Operations.GetFaults.Output {
        .ok(.init(body: .json(.init(try await repository.faultLedger()))))
    }

    package func getChaos(_ input: Operations.GetChaos.Input) async throws -> Operations.GetChaos.Output {
        .ok(.init(body: .json(.init(chaos.settings))))
    }

    package func putChaos(_ input: Operations.PutChaos.Input) async throws -> Operations.PutChaos.Output {
        guard case .json(let body) = input.body else { throw RequestError.unsupportedMediaType(nil) }
        let settings = try ChaosSettings(body)
        chaos.settings = settings
        logger.notice("chaos settings changed", metadata: ["settings": "\(settings)"])
        return .ok(.init(body: .json(.init(settings))))
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

extension Components.Schemas.FaultLedger {
    init(_ ledger: FaultLedger) {
        self.init(
            deductions: Int64(ledger.deductions),
            faults: FaultKind.allCases.map { kind in
                let count = ledger.faults[kind] ?? FaultLedger.Count(deductions: 0, injections: 0)
                return .init(
                    kind: .init(rawValue: kind.rawValue)!, deductions: Int64(count.deductions), injections: Int64(count.injections))
            }
        )
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
            recordedAt: record.recordedAt,
            ordinal: record.ordinal
        )
    }
}
