import Foundation
import WarehouseKit

/// One service run on its own with `warehouse serve <service>`, as a container runs it: for a
/// service missing altogether (nobody listening on its port) rather than stopped, or configured by
/// its environment alone.
package final class ServiceLauncher: Sendable {
    package let endpoint: ServiceEndpoint
    private let process: ChildProcess

    private init(endpoint: ServiceEndpoint, process: ChildProcess) {
        self.endpoint = endpoint
        self.process = process
    }

    package var url: String { endpoint.url.absoluteString }

    /// Starts `executable serve <service> <arguments>` (with `environment` added to this process's)
    /// and returns once it is live: the process serves, whatever it depends on.
    ///
    /// - Parameter port: where it will listen, for the probe; pass it in `arguments` or `environment` too.
    package static func start(
        _ service: ServiceName,
        port: Int,
        executable: URL,
        arguments: [String] = [],
        environment: [String: String] = [:],
        logFile: URL,
        http: LabHTTP
    ) async throws -> ServiceLauncher {
        let process = try ChildProcess(
            executable: executable, arguments: ["serve", service.rawValue] + arguments, environment: environment,
            logFile: logFile)
        let endpoint = ServiceEndpoint(name: service, url: URL(string: "http://127.0.0.1:\(port)")!)
        let launched = ServiceLauncher(endpoint: endpoint, process: process)
        do {
            try await ReadinessProbe.live.waitUntilUp([endpoint], timeout: .seconds(60), client: http.client) {
                guard process.isRunning else { throw LabError.exited(process.log()) }
            }
        } catch {
            await launched.stop()
            throw error
        }
        return launched
    }

    /// SIGTERM, then waits for the exit.
    package func stop() async {
        await process.terminate()
    }

    package func log() -> String {
        process.log()
    }
}
