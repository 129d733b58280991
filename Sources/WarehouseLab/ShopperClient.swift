import Foundation
import NIOHTTP1
import Synchronization
import WarehouseKit

/// What one HTTP try of `POST /orders` got.
package struct AttemptRecord: Sendable, Codable {
    /// 0 for a transport error (refused, reset, timed out).
    package var status: Int
    /// From sending the request to the whole answer, as the client measured it.
    package var milliseconds: Double
    /// From the request's arrival to its answer, as the order service measured it (its `Server-Timing`),
    /// when the answer said: the rest of `milliseconds` was spent between the two.
    package var serverMilliseconds: Double?
    /// How long the order service's process stood still meanwhile, as it measured it (`Server-Timing`'s
    /// `stall`, `StallMeter`), when the answer said.
    package var serverStallMilliseconds: Double?
    /// The `X-Request-ID` the try was sent with: the order service logs every line of the request under
    /// it, so a try that came back late can be followed through the services' log.
    package var requestID: String?
    /// When the try was sent (wall clock, to compare with the times in the services' log).
    package var sentAt: Date?

    package init(
        status: Int, milliseconds: Double, serverMilliseconds: Double? = nil, serverStallMilliseconds: Double? = nil,
        requestID: String? = nil, sentAt: Date? = nil
    ) {
        self.status = status
        self.milliseconds = milliseconds
        self.serverMilliseconds = serverMilliseconds
        self.serverStallMilliseconds = serverStallMilliseconds
        self.requestID = requestID
        self.sentAt = sentAt
    }

    /// How long the order service took to answer: its own figure, else (no answer, or one that did not
    /// say) the client's.
    package var serviceMilliseconds: Double { serverMilliseconds ?? milliseconds }
}

/// What a shopper's first try of an order came back with.
package enum AnswerKind: String, Sendable, Codable, CaseIterable {
    /// 201: the order shipped at once.
    case shipped
    /// 409 with the order: refused at once (out of stock, unknown SKU).
    case rejected
    /// 202: saved, to be confirmed later.
    case pending
    /// Anything else: a 5xx, a transport error, "still in flight".
    case error

    /// Shipped or rejected: the shopper knows where the order stands.
    package var isDefinite: Bool { self == .shipped || self == .rejected }
}

/// Everything the client saw of one planned order.
package struct OrderRecord: Sendable, Codable {
    package var number: Int
    package var idempotencyKey: String
    /// When the first try was sent (wall clock, to compare with the order's `updatedAt`).
    package var placedAt: Date?
    /// What the first try came back with.
    package var firstReply: AnswerKind?
    package var attempts: [AttemptRecord] = []
    /// The order id, once an answer carried one (the order is acknowledged).
    package var orderId: String?
    /// The state in the first answer that carried an order (shipped, rejected, pending).
    package var firstAnswer: String?
    /// The state after following the order to its end.
    package var finalState: String?
    /// The delay inventory announced it held its answer back by (`X-Gremlin-Delay`), in ms.
    package var gremlinDelayMilliseconds: Int?
    /// Inventory's count of the order's deduction key (`GET /deductions/{id}`), read when an every-n-th
    /// gremlin is expected: the n-th, 2n-th, … keys are the ones it was due to delay.
    package var deductionOrdinal: Int64?

    package var acknowledged: Bool { orderId != nil }

    package init(number: Int, idempotencyKey: String) {
        self.number = number
        self.idempotencyKey = idempotencyKey
    }
}

/// A shopper's client as it should be written: every order carries its own idempotency key; after a
/// 5xx or a transport error it tries again with the same key (capped exponential backoff); a 409 "in
/// flight" waits as `Retry-After` says; a 202 is followed to its end later.
package struct ShopperClient: Sendable {
    package let http: any HTTPSending
    package let orderURL: String
    /// Tries of one order before the client gives up on it.
    package var maxAttempts = 8
    package var backoffCap: Duration = .seconds(1)

    package init(http: any HTTPSending, orderURL: String) {
        self.http = http
        self.orderURL = orderURL
    }

    /// The `POST /orders` body of a planned order.
    package static func body(of planned: OrderWorkload.PlannedOrder) -> Data {
        // Strings and integers only: serialization cannot fail.
        (try? JSONSerialization.data(withJSONObject: [
            "customerId": planned.customerId,
            "items": planned.lines.map { ["sku": $0.sku, "quantity": $0.quantity] },
        ])) ?? Data()
    }

    /// Places `planned` with its own idempotency key, trying again as the type's summary says.
    ///
    /// - Parameter body: the request body, when made beforehand (a load keeps that work out of its timing).
    package func place(_ planned: OrderWorkload.PlannedOrder, body: Data? = nil) async -> OrderRecord {
        var record = OrderRecord(number: planned.number, idempotencyKey: planned.idempotencyKey)
        let body = body ?? Self.body(of: planned)
        for attempt in 0..<maxAttempts {
            let sentAt = Date()
            if attempt == 0 { record.placedAt = sentAt }
            let requestID = "lab-\(planned.number)-\(attempt + 1)"
            let started = ContinuousClock.now
            let reply = try? await http.send(
                .POST, orderURL + "/orders", json: body,
                headers: [("Idempotency-Key", planned.idempotencyKey), ("X-Request-ID", requestID)],
                timeout: .seconds(30)
            )
            let elapsed = ContinuousClock.now - started
            let timing = reply?.headers["Server-Timing"].first
            record.attempts.append(
                AttemptRecord(
                    status: reply?.status ?? 0, milliseconds: elapsed.milliseconds,
                    serverMilliseconds: timing.flatMap(ServerTiming.totalMilliseconds(in:)),
                    serverStallMilliseconds: timing.flatMap(ServerTiming.stallMilliseconds(in:)), requestID: requestID, sentAt: sentAt))
            let carriesOrder = reply?.headers["Content-Type"].first?.hasPrefix("application/json") == true
            if attempt == 0 { record.firstReply = Self.kind(status: reply?.status ?? 0, carriesOrder: carriesOrder) }
            guard let reply else {
                try? await Task.sleep(for: backoff(attempt))
                continue
            }
            switch reply.status {
            case 201, 202:
                return acknowledge(reply, in: record)
            case 409 where carriesOrder:
                return acknowledge(reply, in: record)
            case 409:
                // The first request with this key is still being answered.
                try? await Task.sleep(for: .seconds(Int(reply.headers["Retry-After"].first ?? "1") ?? 1))
            case 500...599:
                try? await Task.sleep(for: backoff(attempt))
            default:
                return record
            }
        }
        return record
    }

    private static func kind(status: Int, carriesOrder: Bool) -> AnswerKind {
        switch status {
        case 201: .shipped
        case 202: .pending
        case 409 where carriesOrder: .rejected
        default: .error
        }
    }

    /// Records the order an answer carries: the client now holds its id.
    private func acknowledge(_ reply: LabHTTP.Reply, in record: OrderRecord) -> OrderRecord {
        var record = record
        record.gremlinDelayMilliseconds = reply.headers["X-Gremlin-Delay"].first.flatMap(Int.init)
        if let order = try? reply.json(Contract.OrderState.self) {
            record.orderId = order.id
            record.firstAnswer = order.status
            record.finalState = order.status
        }
        return record
    }

    /// Follows an acknowledged order until it is final or `deadline` passes.
    package func follow(_ record: OrderRecord, until deadline: ContinuousClock.Instant) async -> OrderRecord {
        var record = record
        guard let id = record.orderId else { return record }
        // At least one read, even past the deadline: an order followed late by a busy client is still
        // reported as it now is.
        while true {
            if let reply = try? await http.send(.GET, orderURL + "/orders/\(id)", json: nil, headers: [], timeout: .seconds(2)),
                reply.status == 200,
                let order = try? reply.json(Contract.Order.self)
            {
                record.finalState = order.status
                if order.status != "pending" { return record }
            }
            guard ContinuousClock.now < deadline else { return record }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func backoff(_ attempt: Int) -> Duration {
        let ceiling = min(Duration.milliseconds(50) * (1 << min(attempt, 10)), backoffCap)
        return ceiling * Double.random(in: 0.5..<1)
    }
}
