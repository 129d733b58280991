import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Who may call an operation, by the credential it carries.
package enum Access: Sendable, Equatable {
    /// Operators: restock, chaos, the fault ledger, every customer's orders, health details.
    case admin
    /// The services, calling each other: inventory's deductions.
    case service
    /// A service, or an operator reading what services read (the event feeds, a deduction's record).
    case serviceOrAdmin

    /// The token it asks for, as a 401's detail names it.
    var tokenName: String {
        switch self {
        case .admin: "admin token"
        case .service, .serviceOrAdmin: "service token"
        }
    }
}

/// The two credentials of an install, as one service checks them.
package struct Credentials: Sendable {
    package var admin: BearerToken
    package var service: BearerToken

    package init(admin: BearerToken, service: BearerToken) {
        self.admin = admin
        self.service = service
    }

    /// Credentials nobody knows: every guarded endpoint refuses every call (tests of open routes).
    package static func unguessable() -> Credentials {
        Credentials(admin: .unguessable(), service: .unguessable())
    }

    /// Both tokens as `settings` name them (`Credential.load`).
    package static func load(_ settings: Settings, logger: Logger) throws -> Credentials {
        Credentials(admin: try Credential.admin.load(settings, logger: logger), service: try Credential.service.load(settings, logger: logger))
    }

    /// Passes when `header` (the whole `Authorization` value) carries a token `access` accepts.
    ///
    /// - Throws: 401 `RequestError.unauthorized`, saying which token the endpoint wants.
    package func authorize(_ access: Access, _ header: String?) throws(RequestError) {
        let accepted =
            switch access {
            case .admin: admin.matches(header)
            case .service: service.matches(header)
            case .serviceOrAdmin:
                // Both compared, so the time taken does not say which one a guess came close to.
                [service.matches(header), admin.matches(header)].contains(true)
            }
        guard !accepted else { return }
        guard BearerToken.credentials(in: header) != nil else {
            throw .unauthorized("This endpoint needs Authorization: Bearer <\(access.tokenName)>.")
        }
        throw .unauthorized("The \(access.tokenName) is not valid.")
    }

    /// Whether `header` carries the admin token (for answers that show operators more).
    package func isAdmin(_ header: String?) -> Bool {
        admin.matches(header)
    }
}

/// Requires a credential on the operations of a generated API that `rules` lists (by operation id);
/// the others are open. The one place a generated handler's operations are guarded.
package struct AuthorizationMiddleware: ServerMiddleware {
    package let credentials: Credentials
    package let rules: [String: Access]

    package init(credentials: Credentials, rules: [String: Access]) {
        self.credentials = credentials
        self.rules = rules
    }

    package func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if let access = rules[operationID] {
            try credentials.authorize(access, request.headerFields[.authorization])
        }
        return try await next(request, body, metadata)
    }
}
