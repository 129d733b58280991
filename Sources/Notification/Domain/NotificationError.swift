import WarehouseKit

/// The notification service's own refusals; each knows its HTTP answer.
package enum NotificationError: HTTPProblemError, Equatable {
    case subscriptionNotFound(customerId: String)
    case invalidCustomerId

    package var problem: Problem {
        switch self {
        case .subscriptionNotFound(let customerId):
            Problem(title: "Subscription not found", status: 404, detail: "Customer \(customerId) has no subscription.")
        case .invalidCustomerId:
            Problem(
                title: "Invalid parameter", status: 400,
                detail: "customerId: must be 1 to 128 characters of printable text that is not blank")
        }
    }
}
