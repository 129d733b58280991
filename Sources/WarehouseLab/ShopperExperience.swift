import Foundation

/// What shoppers got in a run: the first answer to each order by kind, how long each kind took (a
/// fast `pending` is not a fast order), and how long each order took from placement to its final state.
package struct ShopperExperience: Sendable, Codable, Equatable {
    /// The first answers of one kind.
    package struct Answers: Sendable, Codable, Equatable {
        package var count = 0
        package var latency = LatencyPercentiles()

        package init(count: Int = 0, latency: LatencyPercentiles = LatencyPercentiles()) {
            self.count = count
            self.latency = latency
        }
    }

    package var orders = 0
    package var shipped = Answers()
    package var rejected = Answers()
    package var pending = Answers()
    package var error = Answers()
    /// From the first try to the order's final state (its `updatedAt`), for every order that reached one.
    package var placementToFinal = LatencyPercentiles()
    /// Acknowledged orders that were not final at the end.
    package var unfinished = 0

    package init() {}

    package subscript(kind: AnswerKind) -> Answers {
        switch kind {
        case .shipped: shipped
        case .rejected: rejected
        case .pending: pending
        case .error: error
        }
    }

    /// Orders whose first answer was shipped or rejected.
    package var definite: Int { shipped.count + rejected.count }

    package var definiteShare: Double { orders == 0 ? 0 : Double(definite) / Double(orders) }

    /// Sums up the client's records against the orders as the order service holds them at the end.
    package static func evaluate(records: [OrderRecord], orders: [Contract.Order]) -> ShopperExperience {
        var experience = ShopperExperience()
        experience.orders = records.count
        for kind in AnswerKind.allCases {
            let answered = records.filter { ($0.firstReply ?? .error) == kind }
            let answers = Answers(
                count: answered.count, latency: LatencyPercentiles(milliseconds: answered.compactMap { $0.attempts.first?.milliseconds }))
            switch kind {
            case .shipped: experience.shipped = answers
            case .rejected: experience.rejected = answers
            case .pending: experience.pending = answers
            case .error: experience.error = answers
            }
        }
        let byID = Dictionary(orders.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var toFinal: [Double] = []
        for record in records {
            guard let id = record.orderId else { continue }
            guard let order = byID[id], order.status != "pending", let placedAt = record.placedAt, let finalAt = order.updatedAt
            else {
                experience.unfinished += 1
                continue
            }
            toFinal.append(max(0, finalAt.timeIntervalSince(placedAt) * 1000))
        }
        experience.placementToFinal = LatencyPercentiles(milliseconds: toFinal)
        return experience
    }
}
