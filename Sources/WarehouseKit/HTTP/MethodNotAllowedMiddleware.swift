import HTTPTypes
import Hummingbird

/// Turns the router's 404 into 405 with `Allow` when the path is one the service serves, only not with
/// this method. The router matches a path and a method together, so it cannot tell the two apart.
package struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each served path as its segments (`{name}` fits any one segment), with the methods it serves.
    let routes: [(template: [Substring], allowed: [HTTPRequest.Method])]

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = Self.segments(of: request.uri.path)
            guard let route = routes.first(where: { Self.fits(path, $0.template) }) else { throw error }
            throw RequestError.methodNotAllowed(allowed: route.allowed)
        }
    }

    static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func fits(_ path: [Substring], _ template: [Substring]) -> Bool {
        path.count == template.count
            && zip(path, template).allSatisfy { segment, pattern in
                (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern.hasPrefix(":") || segment == pattern
            }
    }
}
