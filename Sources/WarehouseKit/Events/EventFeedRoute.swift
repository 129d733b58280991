import Foundation
import HTTPTypes
import Hummingbird

/// `GET /events?after=&limit=&waitMs=`: a publisher's feed over HTTP, the same on every publisher.
///
/// Registered by hand rather than generated: every publisher serves the same operation from the same
/// code, and a page is written from the stored JSON without a decode and re-encode. Each publisher's
/// OpenAPI document describes it (tag `events`), and the contract tests check answers against that.
package enum EventFeedRoute {
    package static let path = "/events"

    package static func register<Context: RequestContext>(_ feed: EventFeed, on routes: RouteTable<Context>) {
        routes.on(.get, path) { request, _ in
            let query = try Query(request.uri.queryParameters)
            let page = try await feed.page(after: query.after, limit: query.limit, wait: .milliseconds(query.waitMs))
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: page.json))
            )
        }
    }

    /// The query of a feed read, checked: 400 for anything out of range or not a number.
    package struct Query: Equatable, Sendable {
        /// Nil when the query has none: the feed then starts at the oldest event it keeps.
        package var after: Int64?
        package var limit = EventFeed.defaultLimit
        package var waitMs = 0

        package init(after: Int64? = nil, limit: Int = EventFeed.defaultLimit, waitMs: Int = 0) {
            self.after = after
            self.limit = limit
            self.waitMs = waitMs
        }

        package init(_ parameters: Parameters) throws(RequestError) {
            if let text = parameters["after"] {
                guard let after = Self.integer(text), after >= 0 else {
                    throw .invalidParameter(name: "after", detail: "must be a position: an integer from 0")
                }
                self.after = after
            }
            if let text = parameters["limit"] {
                guard let limit = Self.integer(text).flatMap(Int.init(exactly:)), EventFeed.limits.contains(limit) else {
                    throw .invalidParameter(name: "limit", detail: "must be an integer from 1 to 500")
                }
                self.limit = limit
            }
            if let text = parameters["waitMs"] {
                guard let wait = Self.integer(text).flatMap(Int.init(exactly:)), EventFeed.waitLimits.contains(wait) else {
                    throw .invalidParameter(name: "waitMs", detail: "must be an integer from 0 to 30000 (milliseconds)")
                }
                self.waitMs = wait
            }
        }

        /// Decimal digits only (no sign, no spaces), as the contract's `integer` says.
        private static func integer(_ text: Substring) -> Int64? {
            guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                return nil
            }
            return Int64(text)
        }
    }
}
