import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// A `ServerTransport` over a Hummingbird router that remembers which methods each path serves, so a
/// request with the wrong method gets 405 with `Allow` instead of the router's plain 404.
package final class RouteTable<Context: RequestContext>: ServerTransport, @unchecked Sendable {
    // Unchecked: mutated only while routes are registered, before the server starts.
    private let router: Router<Context>
    private var methodsByPath: [(path: String, methods: [HTTPRequest.Method])] = []

    package init(router: Router<Context>) {
        self.router = router
    }

    package func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        router.register(handler, method: method, path: path)
        record(method, path)
    }

    /// Registers a plain Hummingbird handler (not a generated one) and records it for 405 answers.
    package func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method,
        _ path: String,
        use handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) {
        router.on(RouterPath(path), method: method, use: handler)
        record(method, path)
    }

    /// Records a route registered directly on the router (health, metrics, the OpenAPI document).
    package func record(_ method: HTTPRequest.Method, _ path: String) {
        if let index = methodsByPath.firstIndex(where: { $0.path == path }) {
            methodsByPath[index].methods.append(method)
        } else {
            methodsByPath.append((path, [method]))
        }
    }

    /// Answers 405 for every method a known path does not serve, whatever the method (TRACE, QUERY, a
    /// made-up one): the router finds no route and would say 404. Call once, after every route is
    /// registered: the middleware added here then sits only in front of the router's not-found answer.
    package func rejectOtherMethods() {
        let routes = methodsByPath.map { route in
            (
                template: MethodNotAllowedMiddleware<Context>.segments(of: route.path),
                allowed: route.methods.contains(.get) && !route.methods.contains(.head) ? route.methods + [.head] : route.methods
            )
        }
        router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
    }
}
