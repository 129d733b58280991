import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One service run on its own with `warehouse serve <service>`, as a container runs it, for tests
/// that need a service missing altogether (nobody listening on its port) rather than stopped.
final class ServiceProcess: @unchecked Sendable {
    // Unchecked: `process` is only touched from the test that owns it.
    let url: String
    let dataDirectory: URL
    private let process: Process
    private let logFile: URL

    private init(url: String, dataDirectory: URL, process: Process, logFile: URL) {
        self.url = url
        self.dataDirectory = dataDirectory
        self.process = process
        self.logFile = logFile
    }

    /// Starts `warehouse serve <service> --port <port> <arguments>` and returns once `/health/live`
    /// answers 200 (the process serves; what it depends on may still be missing).
    static func start(_ service: String, port: Int, dataDirectory: URL, arguments: [String] = []) async throws -> ServiceProcess {
        let process = Process()
        process.executableURL = try WarehouseSystem.binary()
        process.arguments = ["serve", service, "--port", "\(port)", "--data-dir", dataDirectory.path] + arguments
        let logFile = dataDirectory.appendingPathComponent("\(service).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let started = ServiceProcess(
            url: "http://127.0.0.1:\(port)", dataDirectory: dataDirectory, process: process, logFile: logFile)
        do {
            try await eventually("\(service) serves /health/live", timeout: .seconds(60)) {
                guard process.isRunning else { throw SystemError.exited(started.log()) }
                return (try? await WarehouseSystem.send(.GET, started.url + "/health/live"))?.status == 200
            }
        } catch {
            await started.stop()
            throw error
        }
        return started
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try? await eventually("\(url) exits after SIGTERM", timeout: .seconds(20)) { !self.process.isRunning }
    }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }
}
