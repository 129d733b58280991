import WarehouseKit

/// What can go wrong between the console and the services behind it. Each becomes a problem answer
/// in `ProblemMiddleware`, so the page always gets `application/problem+json`.
package enum ConsoleError: HTTPProblemError, Equatable {
    /// The service could not be reached, or broke off before answering.
    case unreachable(service: String, reason: String)
    /// The service did not answer within the console's timeout.
    case timedOut(service: String, milliseconds: Int)
    /// The service's answer was larger than the console passes on.
    case answerTooLarge(service: String)
    /// The service answered, but not what the console reads from it (a status other than 200, a body
    /// it cannot decode).
    case unexpectedAnswer(service: String, reason: String)

    package var problem: Problem {
        switch self {
        case .unreachable(let service, let reason):
            Problem(
                title: "Bad gateway", status: 502,
                detail: "The console could not reach the \(service) service: \(reason).")
        case .timedOut(let service, let milliseconds):
            Problem(
                title: "Gateway timeout", status: 504,
                detail: "The \(service) service did not answer within \(milliseconds) ms.")
        case .answerTooLarge(let service):
            Problem(title: "Bad gateway", status: 502, detail: "The \(service) service's answer was too large to pass on.")
        case .unexpectedAnswer(let service, let reason):
            Problem(title: "Bad gateway", status: 502, detail: "The \(service) service's answer was not usable: \(reason).")
        }
    }
}
