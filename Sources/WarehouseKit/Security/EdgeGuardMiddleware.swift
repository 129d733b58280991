import HTTPTypes
import Hummingbird

/// The checks every request passes before anything else of a service sees it: its `Host` is one the
/// service answers for (421 otherwise: DNS rebinding), and a browser's state-changing request comes from
/// the service's own origin or an allowed one (403 otherwise: cross-site requests).
///
/// Clients other than browsers send no `Origin`, and are not affected by the second check.
package struct EdgeGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    package let hosts: HostAllowList
    package let origins: OriginAllowList

    package init(hosts: HostAllowList, origins: OriginAllowList) {
        self.hosts = hosts
        self.origins = origins
    }

    /// Methods that change something: `Origin` is checked on these.
    static var unsafeMethods: Set<HTTPRequest.Method> { [.post, .put, .patch, .delete] }

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let authority = request.head.authority
        guard hosts.allows(authority) else { throw RequestError.misdirected }
        if Self.unsafeMethods.contains(request.method), let origin = request.headers[.origin],
            !origins.allows(origin: origin, authority: authority)
        {
            throw RequestError.crossOrigin
        }
        return try await next(request, context)
    }
}
