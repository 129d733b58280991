import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads a publisher's feed over HTTP: the smallest piece of what every consumer of events needs.
package struct EventFeedClient: Sendable {
    /// The publisher's base URL, such as `http://127.0.0.1:8080`.
    package let baseURL: String
    package let httpClient: HTTPClient
    /// The most of one page read (500 events of a few hundred bytes each fit many times over).
    package static let pageLimit = 16 * 1024 * 1024

    package init(baseURL: String, httpClient: HTTPClient) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.httpClient = httpClient
    }

    /// The page after `position` (after the oldest event kept when nil), as JSON bytes, waiting up to
    /// `waitMs` on the publisher's side when there is nothing new.
    ///
    /// - Throws: `EventFeedReadError`: `pruned` (410), `ahead` (409), any other answer, or the
    ///   transport's error.
    package func read(after position: Int64?, limit: Int = EventFeed.limits.upperBound, waitMs: Int = 0) async throws -> Data {
        let after = position.map { "after=\($0)&" } ?? ""
        var request = HTTPClientRequest(url: "\(baseURL)/events?\(after)limit=\(limit)&waitMs=\(waitMs)")
        request.headers.add(name: "Accept", value: "application/json")
        if let id = RequestID.current { request.headers.add(name: "X-Request-ID", value: id) }
        // The publisher answers by waitMs; the margin covers a busy machine, not a lost answer.
        let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(waitMs) + 30_000))
        let body = Data((try await response.body.collect(upTo: Self.pageLimit)).readableBytesView)
        switch response.status.code {
        case 200: return body
        case 410: throw EventFeedReadError.pruned(detail: Self.detail(body))
        case 409: throw EventFeedReadError.ahead(detail: Self.detail(body))
        default: throw EventFeedReadError.unexpected(status: Int(response.status.code), detail: Self.detail(body))
        }
    }

    /// The page after `position`, decoded.
    package func page<Payload>(
        of payload: Payload.Type, after position: Int64?, limit: Int = EventFeed.limits.upperBound, waitMs: Int = 0
    ) async throws -> FeedPage<Payload> {
        try JSONDecoder.warehouse.decode(FeedPage<Payload>.self, from: try await read(after: position, limit: limit, waitMs: waitMs))
    }

    private static func detail(_ body: Data) -> String {
        (try? JSONDecoder().decode(Problem.self, from: body).detail).flatMap { $0 } ?? String(decoding: body.prefix(300), as: UTF8.self)
    }
}

/// A feed read that got no page.
package enum EventFeedReadError: Error, Equatable, CustomStringConvertible {
    /// 410: the events after the position were pruned.
    case pruned(detail: String)
    /// 409: the position is ahead of the feed.
    case ahead(detail: String)
    case unexpected(status: Int, detail: String)

    package var description: String {
        switch self {
        case .pruned(let detail): "the feed no longer keeps the events after this position (410): \(detail)"
        case .ahead(let detail): "the position is ahead of the feed (409): \(detail)"
        case .unexpected(let status, let detail): "the feed answered \(status): \(detail)"
        }
    }
}
