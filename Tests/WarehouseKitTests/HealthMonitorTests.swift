import Foundation
import Testing
import WarehouseKit
import WarehouseTestSupport

private struct FixedIndicator: HealthIndicator {
    let key: String
    let componentType = "component"
    let status: HealthStatus

    func check() async -> HealthCheckResult {
        HealthCheckResult(componentType: componentType, status: status, output: status == .pass ? nil : "\(key) is \(status)")
    }
}

/// Never answers until its gate opens, and ignores cancellation meanwhile.
private struct StuckIndicator: HealthIndicator {
    let key = "database:responseTime"
    let componentType = "datastore"
    let gate: Gate

    func check() async -> HealthCheckResult {
        await gate.wait()
        return HealthCheckResult(componentType: componentType, status: .pass)
    }
}

private struct ProbeIndicator: HealthIndicator {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }

    let key = "disk:responseTime"
    let componentType = "system"
    let fails: Bool

    func check() async -> HealthCheckResult {
        await measure { if fails { throw Failure() } }
    }
}

@Suite("HealthMonitor", .timeLimit(.minutes(5)))
struct HealthMonitorTests {
    /// For the tests about folding results, not about time: a check that answers at once can still wait
    /// seconds for a thread while hundreds of tests start together (a CI run failed every case of "the
    /// worst status wins" with the default 800 ms, 2.8 s into the run).
    private static let unhurried = Duration.seconds(30)

    @Test("no indicators: pass")
    func empty() async {
        let report = await HealthMonitor(serviceId: "svc", indicators: []).report()
        #expect(report.status == .pass)
        #expect(report.serviceId == "svc")
        #expect(report.checks.isEmpty)
    }

    @Test(
        "the worst status wins",
        arguments: [
            ([HealthStatus.pass, .pass], HealthStatus.pass),
            ([.pass, .warn], .warn),
            ([.warn, .pass, .warn], .warn),
            ([.pass, .fail, .warn], .fail),
            ([.fail], .fail),
        ])
    func worstStatusWins(statuses: [HealthStatus], expected: HealthStatus) async {
        let indicators = statuses.enumerated().map { FixedIndicator(key: "c\($0.offset):check", status: $0.element) }
        let report = await HealthMonitor(serviceId: "svc", indicators: indicators, timeout: Self.unhurried).report()
        #expect(report.status == expected)
        #expect(report.checks.count == statuses.count)
        for (index, status) in statuses.enumerated() {
            #expect(report.checks["c\(index):check"]?.first?.status == status)
        }
    }

    @Test("statuses are ordered pass < warn < fail")
    func ordering() {
        #expect(HealthStatus.pass < .warn)
        #expect(HealthStatus.warn < .fail)
        #expect([HealthStatus.warn, .fail, .pass].max() == .fail)
    }

    @Test("a check slower than the timeout becomes fail with an output, on time")
    func slowCheckFails() async throws {
        let gate = Gate()
        let monitor = HealthMonitor(
            serviceId: "svc",
            indicators: [StuckIndicator(gate: gate)],
            timeout: .milliseconds(100)
        )
        // The check never ends until the gate opens, after the report: returning at all is the proof.
        let report = await monitor.report()
        gate.open()

        #expect(report.status == .fail)
        let result = try #require(report.checks["database:responseTime"]?.first)
        #expect(result.status == .fail)
        #expect(result.componentType == "datastore")
        #expect(result.output == "datastore did not answer within 100 ms")
        #expect(result.observedValue == 100)
        #expect(result.observedUnit == "ms")
    }

    @Test("measure: pass when the probe returns, fail with its error otherwise")
    func measure() async throws {
        let passing = await ProbeIndicator(fails: false).check()
        #expect(passing.status == .pass)
        #expect(passing.output == nil)
        #expect(passing.observedUnit == "ms")
        #expect(try #require(passing.observedValue) >= 0)

        // An error's own words may say more than anyone should read: they are the admin's detail.
        let failing = await ProbeIndicator(fails: true).check()
        #expect(failing.status == .fail)
        #expect(failing.output == "\(failing.componentType) failed")
        #expect(failing.detail == "disk on fire")
    }

    @Test("liveness passes without running any check")
    func liveness() async throws {
        let gate = Gate()
        let monitor = HealthMonitor(serviceId: "svc", indicators: [StuckIndicator(gate: gate)])
        let report = monitor.liveness(startedAt: Date().addingTimeInterval(-10))
        gate.open()
        #expect(report.status == .pass)
        let uptime = try #require(report.checks["uptime"]?.first)
        #expect(uptime.observedUnit == "s")
        #expect(try #require(uptime.observedValue) >= 10)
    }
}
