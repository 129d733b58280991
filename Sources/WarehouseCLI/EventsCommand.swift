import ArgumentParser
import AsyncHTTPClient
import Foundation
import WarehouseKit

/// `warehouse events`: tools for the event feeds every publisher serves.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Read the event feeds of the services (GET /events).",
        subcommands: [EventsTailCommand.self]
    )
}

/// `warehouse events tail --from URL`: prints a publisher's events as they arrive, one JSON line each.
/// The smallest consumer there is: a cursor, a long poll, and nothing else.
struct EventsTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a service's events as they arrive, one CloudEvents JSON object per line.",
        discussion: """
            Starts after the newest event (only new ones are printed) unless --after is given (--after 0: every event \
            the service still keeps, then new ones). Exits non-zero when the service says the position is gone (410) \
            or was never given out (409).
            """
    )

    @Option(help: "The service's base URL, such as http://127.0.0.1:8080 (order) or :8081 (inventory).")
    var from: String

    @Option(help: "The position to print after (default: the newest).")
    var after: Int64?

    @Option(help: "Print only events of these types (repeatable), such as com.valerix.order.shipped.")
    var type: [String] = []

    @Option(help: "Stop after printing this many events (default: never).")
    var count: Int?

    @Option(help: "How long each read may wait for a new event on the service's side, in ms.")
    var waitMs = 25_000

    func validate() throws {
        guard let url = URL(string: from), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--from must be an http(s) URL")
        }
        if let after, after < 0 { throw ValidationError("--after must not be negative") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard EventFeed.waitLimits.contains(waitMs) else { throw ValidationError("--wait-ms must be between 0 and 30000") }
    }

    func run() async throws {
        let feed = EventFeedClient(baseURL: from, httpClient: .shared)
        var position: Int64
        if let after {
            position = after
        } else {
            position = try await feed.page(of: Ignored.self, after: nil, limit: 1).latest
        }
        var printed = 0
        var failures = 0
        let retry = Backoff(base: .milliseconds(200), cap: .seconds(5))
        while count.map({ printed < $0 }) ?? true {
            let page: Data
            do {
                page = try await feed.read(after: position, waitMs: waitMs)
                failures = 0
            } catch let error as EventFeedReadError {
                if case .unexpected = error {
                    warn("\(error); retrying")
                    try await Task.sleep(for: retry.delay(attempt: failures))
                    failures += 1
                    continue
                }
                throw ValidationError(error.description)
            } catch {
                warn("\(from) unreachable: \(ConnectionFailure.describe(error, timeout: .milliseconds(waitMs))); retrying")
                try await Task.sleep(for: retry.delay(attempt: failures))
                failures += 1
                continue
            }
            let (events, next) = try Self.split(page)
            for event in events where type.isEmpty || type.contains(event.type) {
                FileHandle.standardOutput.write(event.line + Data("\n".utf8))
                printed += 1
                if let count, printed >= count { break }
            }
            position = next
        }
    }

    /// The events of a page, each as the compact JSON line it is printed as, and the page's `next`.
    static func split(_ page: Data) throws -> (events: [(type: String, line: Data)], next: Int64) {
        guard let object = try JSONSerialization.jsonObject(with: page) as? [String: Any],
            let events = object["events"] as? [[String: Any]], let next = (object["next"] as? NSNumber)?.int64Value
        else { throw ValidationError("the service's answer is not an event page") }
        return (
            try events.map { event in
                (
                    event["type"] as? String ?? "",
                    try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
                )
            },
            next
        )
    }

    private func warn(_ text: String) {
        FileHandle.standardError.write(Data("warehouse events tail: \(text)\n".utf8))
    }

    /// The `data` of events whose content does not matter here.
    private struct Ignored: Decodable, Sendable {}
}
