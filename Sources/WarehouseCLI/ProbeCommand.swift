import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `warehouse probe [PATH]`: whether the service in this container answers, for the image's
/// `HEALTHCHECK` and Compose's health checks (the image carries no curl). Exits 0 when
/// `GET http://127.0.0.1:PORT/PATH` answers 200, 1 otherwise, and says why on standard error.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Ask the service on this host's port whether it is alive or ready (exit 0 on HTTP 200)."
    )

    @Argument(help: "The path to ask: /health/live (the default) or /health/ready.")
    var path = "/health/live"

    @Option(name: .long, help: "The service's port (default: WAREHOUSE_PORT, else 8080).")
    var port: Int?

    @Option(name: .long, help: "How long to wait for the answer, in ms.")
    var timeoutMs = 2000

    func validate() throws {
        guard path.hasPrefix("/") else { throw ValidationError("the path starts with /, as in /health/live") }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
        guard (1...60_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be between 1 and 60000") }
    }

    func run() async throws {
        let environmentPort = ProcessInfo.processInfo.environment["WAREHOUSE_PORT"].flatMap(Int.init)
        let url = "http://127.0.0.1:\(port ?? environmentPort ?? 8080)\(path)"
        do {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: url), timeout: .milliseconds(Int64(timeoutMs)))
            guard response.status == .ok else {
                FileHandle.standardError.write(Data("probe: \(url) answered \(response.status.code)\n".utf8))
                throw ExitCode.failure
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("probe: \(url): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
