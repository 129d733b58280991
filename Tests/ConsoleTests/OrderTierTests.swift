import Console
import Foundation
import Testing
import WarehouseKit

/// A name standing for several instances, as a headless Service's does.
private struct FakeResolver: InstanceResolver {
    let names: [String: [URL]]

    func instances(of url: URL, timeout: Duration) async -> [URL] {
        names[url.absoluteString] ?? [url]
    }
}

/// Fixed windows by instance; any other instance is unreachable.
private struct FakeSource: LatencySource {
    let reports: [String: LatencyReport]

    func latency(at instance: URL, seriesSeconds: Int, timeout: Duration) async throws(ConsoleError) -> LatencyReport {
        guard let report = reports[instance.absoluteString] else {
            throw .unreachable(service: "order instance \(instance.absoluteString)", reason: "connection refused")
        }
        return report
    }
}

@Suite("The order tier the console asks")
struct OrderTierTests {
    @Test("a name with several addresses is one instance per address, each asked, repeats once")
    func resolvedName() async throws {
        let pods = [URL(string: "http://10.1.0.7:8080")!, URL(string: "http://10.1.0.9:8080")!]
        let tier = OrderTier(
            urls: [URL(string: "http://order-instances:8080")!, pods[1]],
            resolver: FakeResolver(names: ["http://order-instances:8080": pods]),
            source: FakeSource(reports: [
                pods[0].absoluteString: latencyReport(count: 20, averageMs: 30),
                pods[1].absoluteString: latencyReport(count: 20, averageMs: 3000),
            ]),
            timeout: .seconds(2))
        let report = try await tier.report(seriesSeconds: 60)
        #expect(report.instances.map(\.instance) == pods.map(\.absoluteString))
        #expect(report.tier.state == .alert)
        #expect(!report.partial)
    }

    @Test("with no instance answering the console answers the first one's error")
    func noneAnswers() async throws {
        let tier = OrderTier(
            urls: [URL(string: "http://127.0.0.1:9")!], resolver: FakeResolver(names: [:]), source: FakeSource(reports: [:]),
            timeout: .seconds(2))
        await #expect(throws: ConsoleError.self) { try await tier.report(seriesSeconds: 120) }
    }

    @Test("the system resolver keeps an address as it is, and puts a resolved one in the URL")
    func systemResolver() async throws {
        let resolver = SystemInstanceResolver()
        let address = URL(string: "http://127.0.0.1:8080")!
        #expect(await resolver.instances(of: address, timeout: .seconds(5)) == [address])
        // One process, whatever families `localhost` resolves to: never counted once per family.
        let named = await resolver.instances(of: URL(string: "http://localhost:8080/base")!, timeout: .seconds(5))
        #expect(named.count == 1)
        #expect(named.allSatisfy { $0.port == 8080 && $0.path == "/base" })
    }
}
