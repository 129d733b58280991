import Foundation
import WarehouseKit

/// The load balancer in front of a service's replicas under `warehouse up --replicas`: Debian's HAProxy,
/// as a Kubernetes Service fronts pods, never one of our own. It listens on the service's public port
/// and sends each connection to a replica that passes `GET /health/ready` (checked every second; two
/// failures take a replica out, one pass brings it back), so a replica that drains or dies stops
/// getting new requests. Each replicated service has one balancer process, supervised like a service.
struct HAProxyBalancer: Sendable {
    let service: ServiceName
    let host: String
    let publicPort: Int
    let replicaPorts: [Int]

    /// Where Debian puts it.
    static let candidates = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]

    static func executable() -> URL? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map(URL.init(fileURLWithPath:))
    }

    /// The configuration file's text. Timeouts: a long poll of the event feed may wait 30 s.
    var configuration: String {
        var lines = [
            "global",
            "    maxconn 4096",
            "defaults",
            "    mode http",
            "    timeout connect 5s",
            "    timeout client 65s",
            "    timeout server 65s",
            // A connection refused by a replica that just died is tried again on another.
            "    retries 3",
            "    option redispatch",
            "frontend \(service)",
            "    bind \(host):\(publicPort)",
            "    default_backend \(service)-replicas",
            "backend \(service)-replicas",
            "    balance roundrobin",
            "    option httpchk GET /health/ready",
            "    http-check expect status 200",
            "    default-server inter 1s fall 2 rise 1",
        ]
        for (index, port) in replicaPorts.enumerated() {
            lines.append("    server \(service)-\(index + 1) \(host):\(port) check")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the configuration to `directory` and returns the balancer's command line (in the foreground,
    /// `-db`, so the supervisor owns its process).
    func arguments(writingTo directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("haproxy-\(service).cfg")
        try Data(configuration.utf8).write(to: file)
        return ["-db", "-f", file.path]
    }
}
