import Console
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WarehouseKit

/// Runs a stub order instance on a free port whose `/stats/latency` is `report`, and `body` with its URL.
private func withOrderInstance(
    _ report: LatencyReport, _ body: @Sendable @escaping (URL) async throws -> Void
) async throws {
    let router = Router()
    router.get("/stats/latency") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(report))))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quietLogger)
    try await app.test(.live) { client in
        try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))")!)
    }
}

/// The console in front of two order instances on real ports, as `up --replicas order=2` runs it.
@Suite("The console's latency alert over every order instance", .timeLimit(.minutes(3)))
struct ConsoleTierLatencyTests {
    @Test("one slow instance of two turns the tile red; each instance is listed with its own figures")
    func oneSlowOfTwo() async throws {
        try await withOrderInstance(latencyReport(count: 40, averageMs: 35)) { fast in
            try await withOrderInstance(latencyReport(count: 40, averageMs: 2200)) { slow in
                try await withConsole(orderInstances: [fast, slow]) { client in
                    let response = try await client.execute(uri: "/api/stats/latency?seconds=60", method: .get)
                    #expect(response.status == .ok)
                    // Order's own answer, as the page already read it, with the tier's figures.
                    #expect(try response.decode(LatencyReport.self).state == .alert)
                    let combined = try response.decode(TierLatencyReport.self)
                    #expect(combined.tier.state == .alert)
                    #expect(combined.tier.count == 80)
                    #expect(combined.tier.averageMs == 1117.5)
                    #expect(!combined.partial)
                    #expect(combined.instances.map(\.instance) == [fast.absoluteString, slow.absoluteString])
                    #expect(combined.instances.map(\.state) == [.ok, .alert])
                }
            }
        }
    }

    @Test("an instance nobody answers at is listed with why; the slow one's alert still shows, marked partial")
    func unreachableInstance() async throws {
        let nobody = URL(string: "http://127.0.0.1:9")!
        try await withOrderInstance(latencyReport(count: 12, averageMs: 1800)) { slow in
            try await withConsole(orderInstances: [nobody, slow]) { client in
                let combined = try await client.execute(uri: "/api/stats/latency", method: .get).decode(TierLatencyReport.self)
                #expect(combined.tier.state == .alert)
                #expect(combined.partial)
                #expect(combined.instances.first?.instance == nobody.absoluteString)
                #expect(combined.instances.first?.error != nil)
                #expect(combined.instances.last?.averageMs == 1800)
            }
        }
    }

    @Test("with no instance answering the page gets a problem, not a green tile")
    func noneAnswers() async throws {
        let nobody = URL(string: "http://127.0.0.1:9")!
        try await withConsole(orderInstances: [nobody]) { client in
            let response = try await client.execute(uri: "/api/stats/latency", method: .get)
            #expect(response.status == .badGateway)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }
}
