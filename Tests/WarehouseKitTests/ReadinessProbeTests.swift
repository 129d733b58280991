import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WarehouseKit

/// The one readiness loop, against a real HTTP server that says it is the inventory service.
@Suite("ReadinessProbe", .timeLimit(.minutes(5)))
struct ReadinessProbeTests {
    static let quiet = Logger(label: "tests") { _ in SwiftLogNoOpLogHandler() }

    /// Serves `/health/ready` (200 once `ready` says so) and `/health/live` as the inventory service.
    func withInventory(ready: @escaping @Sendable () -> Bool, _ body: @Sendable @escaping (URL) async throws -> Void)
        async throws
    {
        let router = Router()
        let monitor = HealthMonitor(serviceId: "inventory", indicators: [])
        router.get("/health/ready") { _, _ in
            let report = await monitor.report()
            return Response(
                status: ready() ? .ok : .serviceUnavailable, headers: [.contentType: "application/health+json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(report))))
        }
        router.get("/health/live") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/health+json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(monitor.liveness(startedAt: Date())))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Self.quiet)
        try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))")!)
        }
    }

    @Test("ready is a 200 from /health/ready with the service's own id; live asks /health/live")
    func probes() async throws {
        let ready = ReadyFlag()
        try await withInventory(ready: { ready.value }) { url in
            let inventory = ServiceEndpoint(name: .inventory, url: url)
            #expect(await ReadinessProbe.ready.succeeds(for: inventory) == false)
            // Probes that must succeed get a generous limit: at the start of a crowded run the answer can
            // wait for a thread longer than the 1 s default.
            #expect(await ReadinessProbe.live.succeeds(for: inventory, timeout: .seconds(30)))
            ready.value = true
            #expect(await ReadinessProbe.ready.succeeds(for: inventory, timeout: .seconds(30)))
            // Another service's answer on the port expected to be order's is not order being ready.
            #expect(await ReadinessProbe.ready.succeeds(for: ServiceEndpoint(name: .order, url: url)) == false)
        }
    }

    @Test("waiting returns once the service is ready")
    func waitsUntilReady() async throws {
        let ready = ReadyFlag()
        try await withInventory(ready: { ready.value }) { url in
            let probes = ProbeCount()
            try await ReadinessProbe.ready.waitUntilUp([ServiceEndpoint(name: .inventory, url: url)], timeout: .seconds(30)) {
                // Ready from the third retry on.
                if probes.next() == 2 { ready.value = true }
            }
            #expect(probes.value == 3)
        }
    }

    @Test("waiting gives up after its timeout, naming the service")
    func timesOut() async throws {
        try await withInventory(ready: { true }) { url in
            let order = ServiceEndpoint(name: .order, url: url)
            await #expect(throws: ReadinessTimeout(service: .order, url: url, after: .milliseconds(200))) {
                try await ReadinessProbe.ready.waitUntilUp([order], timeout: .milliseconds(200))
            }
        }
    }

    @Test("waiting stops as soon as it is not worth waiting any more")
    func stopsWhenTold() async throws {
        struct Exited: Error {}
        try await withInventory(ready: { false }) { url in
            await #expect(throws: Exited.self) {
                try await ReadinessProbe.ready.waitUntilUp([ServiceEndpoint(name: .inventory, url: url)], timeout: nil) {
                    throw Exited()
                }
            }
        }
    }
}

private final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

private final class ProbeCount: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLock { stored } }
    func next() -> Int { lock.withLock { defer { stored += 1 }; return stored } }
}
