import Foundation
import NIOCore
import NIOHTTP1
import WarehouseKit

/// What sends a request and reads its reply whole: `LabHTTP`'s pool, or one `KeepAliveHTTPConnection`.
package protocol HTTPSending: Sendable {
    func send(
        _ method: HTTPMethod,
        _ url: String,
        json: Data?,
        headers: [(String, String)],
        timeout: Duration
    ) async throws -> LabHTTP.Reply
}

extension LabHTTP: HTTPSending {}

/// A load worker's own line to the order service: one `KeepAliveConnection`, one request at a time,
/// opened again on the next request after it broke.
///
/// The load generator shares the machine with the services it measures, so its own cost per order is
/// taken from them. With these connections it spent 0.15 ms of CPU per order while sending, a tenth of
/// the CPU in use (`/proc/PID/stat` over 5 s of `load --bench`, issue 6).
package actor KeepAliveHTTPConnection: HTTPSending {
    private let host: String
    private let port: Int
    private var connection: KeepAliveConnection?

    /// - Parameter baseURL: `http://host:port`; the URLs given to `send` must start with it.
    package init(baseURL: String) throws {
        guard let url = URL(string: baseURL), url.scheme == "http", let host = url.host else {
            throw LabError.unexpected("not an http:// URL: \(baseURL)")
        }
        self.host = host
        self.port = url.port ?? 80
    }

    package func send(
        _ method: HTTPMethod,
        _ url: String,
        json: Data?,
        headers: [(String, String)],
        timeout: Duration
    ) async throws -> LabHTTP.Reply {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: Self.path(of: url))
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let json {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(json.count))
        }
        let connection = try await open()
        do {
            let reply = try await connection.execute(head, body: json.map { ByteBuffer(bytes: $0) }, timeout: timeout)
            return LabHTTP.Reply(
                status: Int(reply.head.status.code), headers: reply.head.headers, body: Data(reply.body.readableBytesView))
        } catch {
            self.connection = nil
            throw error
        }
    }

    /// Closes the connection, if open.
    package func close() {
        connection?.close()
        connection = nil
    }

    private func open() async throws -> KeepAliveConnection {
        if let connection, connection.isReusable { return connection }
        let fresh = try await KeepAliveConnection.connect(host: host, port: port, timeout: .seconds(2))
        connection = fresh
        return fresh
    }

    /// `/orders` from `http://127.0.0.1:8080/orders`.
    static func path(of url: String) -> String {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else {
            return "/"
        }
        return String(url[slash...])
    }
}
