import Foundation

/// Where every service of one running system listens: one host and a port per service, and the ports
/// of the replicas behind a service's port when it has several (`up --replicas`).
package struct SystemAddresses: Sendable, Equatable {
    package var host: String
    package var ports: [ServiceName: Int]
    /// The ports each replica of a replicated service listens on, behind the balancer at its port.
    package var replicaPorts: [ServiceName: [Int]] = [:]

    package init(host: String = "127.0.0.1", ports: [ServiceName: Int] = [:]) {
        self.host = host
        self.ports = ports
    }

    /// The port of `service`: the one given, else its default.
    package func port(of service: ServiceName) -> Int {
        ports[service] ?? service.descriptor.defaultPort
    }

    /// `http://host:port` of `service`.
    package func url(of service: ServiceName) -> URL {
        URL(string: "http://\(host):\(port(of: service))")!
    }

    /// `http://host:port` of each replica of `service`; empty when it runs alone.
    package func replicaURLs(of service: ServiceName) -> [URL] {
        (replicaPorts[service] ?? []).map { URL(string: "http://\(host):\($0)")! }
    }

    /// Every service's name and base URL, in `SystemDeclaration` order.
    package var endpoints: [ServiceEndpoint] {
        SystemDeclaration.services.map { ServiceEndpoint(name: $0.name, url: url(of: $0.name)) }
    }
}

/// A service and the base URL it answers at.
package struct ServiceEndpoint: Sendable, Equatable {
    package var name: ServiceName
    package var url: URL

    package init(name: ServiceName, url: URL) {
        self.name = name
        self.url = url
    }
}
