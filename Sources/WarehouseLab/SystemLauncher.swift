import Foundation
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// Starts the whole system with `warehouse up` as a child process, on free loopback ports and a fresh
/// data directory, and gives the lab and the system tests what they need to drive it and break it:
/// each service's URL, the admin token, each service's pid (from `DIR/run/<service>.pid`), and a clean
/// stop. Which services there are and how they are probed comes from `SystemDeclaration`.
package final class SystemLauncher: Sendable {
    package let dataDirectory: URL
    package let addresses: SystemAddresses
    /// The services this system runs: every one but the stand-ins it was not asked to run.
    package let services: [ServiceName]
    /// The client it probes with; whoever made it shuts it down.
    package let http: LabHTTP
    private let process: ChildProcess

    private init(dataDirectory: URL, addresses: SystemAddresses, services: [ServiceName], http: LabHTTP, process: ChildProcess) {
        self.dataDirectory = dataDirectory
        self.addresses = addresses
        self.services = services
        self.http = http
        self.process = process
    }

    /// Starts `executable up` with `arguments` (and `environment` added to this process's) and returns
    /// once every service it runs is ready (a stand-in such as the backup vendor runs when `arguments`
    /// hold its flag, `--backup-vendor`).
    ///
    /// - Parameter dataDirectory: the data directory to run on (a restored one, say); a fresh one by default.
    package static func start(
        executable: URL,
        arguments: [String] = [],
        environment: [String: String] = [:],
        http: LabHTTP,
        logFile: URL? = nil,
        dataDirectory: URL? = nil,
        readyTimeout: Duration = .seconds(60)
    ) async throws -> SystemLauncher {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A port only for what runs: a stand-in's port flag is left out unless it is asked for, so an
        // older build that has no such stand-in (`--system-executable`) still starts.
        let services = SystemDeclaration.services.filter { !$0.isStandIn || arguments.contains($0.name.runSetting.flag) }
        let ports = try FreePorts.take(services.count)
        let addresses = SystemAddresses(
            host: "127.0.0.1",
            ports: Dictionary(uniqueKeysWithValues: zip(services.map(\.name), ports))
        )
        let portArguments = services.flatMap { [$0.name.portSetting.flag, "\(addresses.port(of: $0.name))"] }
        let process = try ChildProcess(
            executable: executable,
            arguments: ["up", "--data-dir", directory.path] + portArguments + arguments,
            environment: environment,
            logFile: logFile ?? directory.appendingPathComponent("up.log")
        )
        let launcher = SystemLauncher(
            dataDirectory: directory, addresses: addresses, services: services.map(\.name), http: http, process: process)
        do {
            try await launcher.waitUntilReady(timeout: readyTimeout)
        } catch {
            let log = launcher.log()
            await launcher.stop()
            if case LabError.exited = error { throw error }
            throw LabError.notReady("\(error)", log: log)
        }
        return launcher
    }

    /// The base URL of `service`, `http://127.0.0.1:PORT`.
    package func url(of service: ServiceName) -> String {
        addresses.url(of: service).absoluteString
    }

    package var orderURL: String { url(of: .order) }
    package var inventoryURL: String { url(of: .inventory) }
    package var notificationURL: String { url(of: .notification) }
    package var consoleURL: String { url(of: .console) }
    package var backupVendorURL: String { url(of: .backupVendor) }

    package var adminToken: String {
        get throws { try token(.admin) }
    }

    /// The token the services show each other, for a test that calls a service as another would.
    package var serviceToken: String {
        get throws { try token(.service) }
    }

    private func token(_ credential: Credential) throws -> String {
        try String(contentsOf: credential.fileURL(in: dataDirectory), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The pid of a running service, or nil while it is being restarted. `service` names a process as
    /// `up` does (`ReplicaCounts.instances(of:)`): `order`, or `order-2` of its replicas.
    package func pid(of service: String) -> Int32? {
        runFile("\(service).pid").flatMap { Int32($0) }
    }

    /// Where a process serves: a service that runs alone at the service's URL (also under a build from
    /// before `run/<instance>.url`, for `chaos --system-executable`), a replica (`order-2`) at its own,
    /// behind its balancer; nil while that replica is being restarted.
    package func url(ofInstance instance: String) -> String? {
        if let service = ServiceName(rawValue: instance) { return url(of: service) }
        return runFile("\(instance).url")
    }

    /// A file the supervisor keeps in `DIR/run` while a child runs, trimmed.
    private func runFile(_ name: String) -> String? {
        (try? String(contentsOf: dataDirectory.appendingPathComponent("run/\(name)"), encoding: .utf8))
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Returns once every service answers its readiness probe, in the order they depend on each other.
    package func waitUntilReady(timeout: Duration) async throws {
        let endpoints = SystemDeclaration.startOrder.filter { services.contains($0.name) }.map {
            ServiceEndpoint(name: $0.name, url: addresses.url(of: $0.name))
        }
        try await ReadinessProbe.ready.waitUntilUp(endpoints, timeout: timeout, client: http.client) {
            guard self.process.isRunning else { throw LabError.exited(self.log()) }
        }
    }

    /// SIGTERM to `warehouse up`; returns its exit status once it has exited (SIGKILL after 20 s).
    @discardableResult
    package func terminate() async -> Int32 {
        await process.terminate()
    }

    /// Terminates the system and removes its data directory, unless told to keep it.
    package func stop(keepData: Bool = false) async {
        await terminate()
        if !keepData { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    /// What `warehouse up` and its children have written.
    package func log() -> String {
        process.log()
    }

    /// The file `warehouse up` and its children write their log lines to.
    package var logFile: URL {
        process.logFile
    }

    /// Stops a service with SIGSTOP and returns its pid once every thread of it has stopped: `kill`
    /// returns before that, and a thread still running could answer one more request (a CI run saw
    /// inventory pass a health check just after being sent SIGSTOP).
    @discardableResult
    package func suspend(_ service: String) async throws -> Int32 {
        guard let pid = pid(of: service), kill(pid, SIGSTOP) == 0 else {
            throw LabError.unexpected("could not stop \(service)")
        }
        try await eventually("\(service) stopped", timeout: .seconds(10)) { Self.isStopped(pid) }
        return pid
    }

    /// Kills a service with SIGKILL and waits until the supervisor has restarted it and it is ready again.
    package func killAndAwaitRestart(_ service: String) async throws {
        guard let old = pid(of: service), kill(old, SIGKILL) == 0 else {
            throw LabError.unexpected("could not kill \(service)")
        }
        try await eventually("\(service) restarted with a new pid", timeout: .seconds(30)) {
            self.pid(of: service).map { $0 != old } ?? false
        }
        try await waitUntilReady(timeout: .seconds(60))
    }

    /// Whether every thread of `pid` is in state T (stopped), from `/proc/PID/task/*/stat`.
    private static func isStopped(_ pid: Int32) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"), !tasks.isEmpty else {
            return false
        }
        return tasks.allSatisfy { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let afterName = stat.range(of: ") ", options: .backwards)
            else { return false }
            return stat[afterName.upperBound...].first == "T"
        }
    }
}
