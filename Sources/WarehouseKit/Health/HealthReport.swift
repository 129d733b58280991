import Foundation

/// The `application/health+json` document of draft-inadarei-api-health-check.
package struct HealthReport: Codable, Sendable {
    package var status: HealthStatus
    package var serviceId: String
    package var description: String?
    /// Keyed `component:measurement`, for example `database:responseTime`.
    package var checks: [String: [HealthCheckResult]]

    package init(status: HealthStatus, serviceId: String, description: String? = nil, checks: [String: [HealthCheckResult]]) {
        self.status = status
        self.serviceId = serviceId
        self.description = description
        self.checks = checks
    }
}

/// Ordered from best to worst, so the service's status is the worst of its checks.
package enum HealthStatus: String, Codable, Sendable, Comparable {
    case pass, warn, fail

    private var rank: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

package struct HealthCheckResult: Codable, Sendable {
    package var componentType: String
    package var observedValue: Double?
    package var observedUnit: String?
    package var status: HealthStatus
    package var time: Date
    /// What a person can act on; present whenever the status is not `pass`. Said so that anyone may
    /// read it: no file paths, addresses or database error texts.
    package var output: String?
    /// The same with the particulars (paths, error texts), for the admin only: never encoded, and
    /// shown in place of `output` by `HealthReport.withDetails()`.
    package var detail: String?

    private enum CodingKeys: String, CodingKey {
        case componentType, observedValue, observedUnit, status, time, output
    }

    package init(
        componentType: String,
        observedValue: Double? = nil,
        observedUnit: String? = nil,
        status: HealthStatus,
        time: Date = Date(),
        output: String? = nil,
        detail: String? = nil
    ) {
        self.componentType = componentType
        self.observedValue = observedValue
        self.observedUnit = observedUnit
        self.status = status
        self.time = time
        self.output = output
        self.detail = detail
    }
}

extension HealthReport {
    /// The report as the admin sees it: each output with its particulars.
    package func withDetails() -> HealthReport {
        var report = self
        report.checks = checks.mapValues { results in
            results.map { result in
                var shown = result
                if let detail = result.detail { shown.output = detail }
                return shown
            }
        }
        return report
    }

    /// What a person can act on: the outputs of the checks that did not pass, worst first.
    package var reasons: [String] {
        checks.values.flatMap { $0 }
            .filter { $0.status != .pass }
            .sorted { ($0.status, $0.output ?? "") > ($1.status, $1.output ?? "") }
            .map { $0.output ?? "\($0.componentType) is \($0.status.rawValue)" }
    }

    /// Reads a report as `HealthResponse` writes it; nil when `body` is not one.
    package static func decode(_ body: Data) -> HealthReport? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(HealthReport.self, from: body)
    }
}
