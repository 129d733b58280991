import Foundation
import WarehouseKit

/// Every order process the latency tile covers (`--order-instances`, else the order URL alone), asked
/// at once at each poll and combined into one `TierLatencyReport`.
package struct OrderTier: Sendable {
    /// As configured; each may stand for several instances (a name with several addresses).
    package let urls: [URL]
    package let resolver: any InstanceResolver
    package let source: any LatencySource
    /// The longest one instance is waited for; one that does not answer in it is listed as such.
    package let timeout: Duration
    /// The longest a name is resolved for.
    package let resolveTimeout: Duration

    package init(
        urls: [URL], resolver: any InstanceResolver, source: any LatencySource, timeout: Duration,
        resolveTimeout: Duration = .seconds(1)
    ) {
        self.urls = urls
        self.resolver = resolver
        self.source = source
        self.timeout = timeout
        self.resolveTimeout = resolveTimeout
    }

    /// The tier's latency window now, with the last `seriesSeconds` of each instance's series.
    ///
    /// - Throws: `ConsoleError`, the first instance's, when none answered.
    package func report(seriesSeconds: Int) async throws(ConsoleError) -> TierLatencyReport {
        let instances = await resolved()
        let answers = await instances.concurrentMap { [source, timeout] instance in
            let outcome: Result<LatencyReport, ConsoleError>
            do throws(ConsoleError) {
                outcome = .success(try await source.latency(at: instance, seriesSeconds: seriesSeconds, timeout: timeout))
            } catch {
                outcome = .failure(error)
            }
            return InstanceAnswer(instance: instance.absoluteString, outcome: outcome)
        }
        guard let report = TierLatencyReport.combine(answers) else {
            if case .failure(let error) = answers.first?.outcome { throw error }
            throw .unreachable(service: "order", reason: "no instance to ask")
        }
        return report
    }

    /// Every instance, each configured URL resolved at once, without repeats.
    func resolved() async -> [URL] {
        let lists = await urls.concurrentMap { [resolver, resolveTimeout] url in
            await resolver.instances(of: url, timeout: resolveTimeout)
        }.flatMap { $0 }
        var seen = Set<String>()
        return lists.filter { seen.insert($0.absoluteString).inserted }
    }
}
