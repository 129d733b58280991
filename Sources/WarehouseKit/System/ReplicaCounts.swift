/// How many processes of each service `warehouse up --replicas order=2,inventory=2` runs; one of any
/// service not named.
///
/// Only services whose every guarantee holds across processes sharing one PostgreSQL database may
/// have more than one: order (keys, leases and the feed decided by the database), inventory (every
/// deduction under advisory locks of its key and SKUs) and notification (the feed cursor moved by
/// compare-and-set under an advisory lock, one notification per order and kind by a unique key, each
/// webhook attempt under a lease claimed by a conditional update). The console has nothing to scale.
package struct ReplicaCounts: SettingValue {
    package static let replicable: [ServiceName] = [.order, .inventory, .notification]
    package static let maximum = 8

    private(set) var counts: [ServiceName: Int] = [:]

    package init() {}

    package init?(settingText: String) {
        for pair in settingText.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let service = ServiceName(rawValue: String(parts[0])), Self.replicable.contains(service),
                let count = Int(parts[1]), (1...Self.maximum).contains(count), counts[service] == nil
            else { return nil }
            counts[service] = count
        }
    }

    package var settingText: String {
        counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    package static var settingKind: String { "service=count,…" }
    package static var settingExpectation: String {
        "service=count pairs such as order=2,inventory=2 (\(replicable.map(\.rawValue).joined(separator: ", ")); 1 to \(maximum) each)"
    }

    package func count(of service: ServiceName) -> Int { counts[service] ?? 1 }

    package var isReplicated: Bool { counts.values.contains { $0 > 1 } }

    /// The names of the processes that serve `service`, as `up` names their pid files (`DIR/run/<name>.pid`)
    /// and log lines: `order` when it runs alone, `order-1`, `order-2`, … when it has replicas.
    package func instances(of service: ServiceName) -> [String] {
        let count = count(of: service)
        return count == 1 ? [service.rawValue] : (1...count).map { "\(service.rawValue)-\($0)" }
    }
}
