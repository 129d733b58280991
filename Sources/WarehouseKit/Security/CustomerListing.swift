import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Who may read every customer's orders or notifications at once (`GET /orders`, `GET /notifications`
/// and `GET /deliveries` without `customerId`). With a `customerId` these reads are open: the system
/// has no shopper accounts, and a storefront in front of it answers for its shoppers (docs/SECURITY.md).
package enum CustomerListing: String, Sendable, CaseIterable, SettingValue {
    /// Anyone: the brief's contract (`GET /orders?status=&limit=`), and `warehouse up`'s default.
    case anyone
    /// The admin token only: what a deployment sets.
    case admin
}

/// Guards the listing operations `operations` names: without a `customerId` in the query they need the
/// admin token when `listing` says so.
package struct CustomerListingMiddleware: ServerMiddleware {
    package let listing: CustomerListing
    package let credentials: Credentials
    package let operations: Set<String>

    package init(listing: CustomerListing, credentials: Credentials, operations: Set<String>) {
        self.listing = listing
        self.credentials = credentials
        self.operations = operations
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if listing == .admin, operations.contains(operationID), !Self.namesCustomer(request.path) {
            do {
                try credentials.authorize(.admin, request.headerFields[.authorization])
            } catch {
                throw RequestError.unauthorized(
                    "Every customer's records at once are the admin's: give customerId, or Authorization: Bearer <admin token>.")
            }
        }
        return try await next(request, body, metadata)
    }

    /// Whether the query of `path` has a non-empty `customerId`.
    static func namesCustomer(_ path: String?) -> Bool {
        guard let path, let query = URLComponents(string: path)?.queryItems else { return false }
        return query.contains { $0.name == "customerId" && !($0.value ?? "").isEmpty }
    }
}
