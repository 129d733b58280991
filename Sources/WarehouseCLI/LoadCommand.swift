import ArgumentParser
import Foundation
import Logging
import WarehouseKit
import WarehouseLab

/// `warehouse load`: real orders against the order service, recorded, followed, checked and reported.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Put a bounded load of real orders on the system and report what every order got.",
        discussion: """
            With --order-url it drives a running system (give --data-dir or --admin-token-file so it can stock its \
            own SKUs, and --data-dir for the services' memory figures); without, it starts one itself with the \
            gremlin it is told to expect. Loopback only. Writes report.json and report.md, prints the summary, and \
            exits non-zero when a check fails. --bench measures speed instead: no gremlin, 64 clients.
            """
    )

    @Option(help: "Base URL of the order service (default: start a system).") var orderURL: String?
    @Option(help: "Base URL of the inventory service.") var inventoryURL = SystemAddresses().url(of: .inventory).absoluteString
    @Option(help: "Base URL of the notification service: check one notification per order transition, and its lag.")
    var notificationURL: String?
    @Option(help: "Data directory of the running system (admin token, service pids).") var dataDir: String?
    @Option(help: "File holding the admin token (default DATA-DIR/admin-token).") var adminTokenFile: String?
    @Option(help: "Orders to send.") var orders: Int?
    @Option(help: "Concurrent clients.") var concurrency: Int?
    @Option(help: "Orders started per second (open loop); default: as fast as the clients go.") var rate: Double?
    @Option(help: "Stop sending new orders after this many seconds.") var timeLimit = 300
    @Option(help: "Seed of the workload (and of its idempotency keys).") var seed: UInt64 = 1
    @Option(
        help: "The gremlin runs on every n-th deduction key (which orders: read from inventory's count of their keys)."
    ) var expectGremlinEvery: Int?
    @Option(help: "The gremlin runs on this fraction of keys (with --expect-chaos-seed).") var expectGremlinFraction: Double?
    @Option(help: "The chaos seed the system runs with.") var expectChaosSeed: UInt64 = 1
    @Option(help: "The gremlin's delay, when this command starts the system, in ms.") var gremlinDelayMs = 3000
    @Option(help: "The order deadline, in ms.") var deadlineMs = 2000
    @Option(help: "How late past the deadline an answer may be, in ms.") var slackMs = 100
    @Option(help: "The durability of a system this command starts (full or normal).") var durability = "full"
    @Option(help: "Where report.json and report.md go.") var reportDir = "reports/load"
    @Flag(help: "Benchmark: no gremlin, 64 clients, 20000 orders unless told otherwise.") var bench = false
    @Flag(help: "Run the system this command starts on PostgreSQL (`up --postgres`: a throwaway local cluster).")
    var postgres = false
    @Option(help: "Replicas of the system this command starts, as `up --replicas` takes them (order=2,inventory=2).")
    var replicas: String?

    func validate() throws {
        if expectGremlinEvery != nil, expectGremlinFraction != nil {
            throw ValidationError("give --expect-gremlin-every or --expect-gremlin-fraction, not both")
        }
        if bench, expectGremlinEvery != nil || expectGremlinFraction != nil {
            throw ValidationError("--bench runs without a gremlin")
        }
        if let orderURL, !(orderURL.hasPrefix("http://127.") || orderURL.hasPrefix("http://localhost")) {
            throw ValidationError("--order-url must be a loopback address")
        }
        for (flag, url) in [("--inventory-url", inventoryURL), ("--notification-url", notificationURL ?? "http://127.0.0.1")] {
            guard url.hasPrefix("http://127.") || url.hasPrefix("http://localhost") else {
                throw ValidationError("\(flag) must be a loopback address")
            }
        }
        guard (1...1_000_000).contains(orders ?? 1), (1...1024).contains(concurrency ?? 1) else {
            throw ValidationError("--orders must be 1 to 1000000 and --concurrency 1 to 1024")
        }
    }

    var expected: ExpectedGremlin {
        if let expectGremlinEvery { return .everyNth(expectGremlinEvery) }
        if let expectGremlinFraction { return .fraction(expectGremlinFraction, seed: expectChaosSeed) }
        return .none
    }

    /// The pid of each process `up` runs from `directory` (`order`, or `order-1`, `order-2` and
    /// `order-balancer` with replicas), from its pid file.
    static func pids(in directory: URL) -> [(String, Int32)] {
        let run = directory.appendingPathComponent("run")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []).filter { $0.hasSuffix(".pid") }.sorted()
        return files.compactMap { file in
            (try? String(contentsOf: run.appendingPathComponent(file), encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                .map { (String(file.dropLast(4)), $0) }
        }
    }

    /// CPU seconds used so far by each service of the system in `directory`, and by its local
    /// PostgreSQL server (`up --postgres`) when it has one.
    static func cpuSeconds(of directory: URL) -> [String: Double] {
        var seconds: [String: Double] = [:]
        for (service, pid) in pids(in: directory) { seconds[service] = ProcessCPU.seconds(pid: pid) }
        seconds["postgresql"] = ProcessCPU.postgresSeconds(dataDirectory: directory.appendingPathComponent("postgres/data"))
        return seconds
    }

    func run() async throws {
        let logger = Logger(label: "load")
        let http = LabHTTP(connectionsPerHost: 1024)
        var launched: SystemLauncher?
        var directory = dataDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        var orderURL = self.orderURL
        var inventoryURL = self.inventoryURL
        var notificationURL = self.notificationURL
        if orderURL == nil {
            var arguments = [
                "--durability", durability, "--order-deadline-ms", "\(deadlineMs)", "--chaos-seed", "\(expectChaosSeed)",
            ]
            if postgres { arguments.append("--postgres") }
            if let replicas { arguments += ["--replicas", replicas] }
            if let expectGremlinEvery {
                arguments += ["--gremlin-every", "\(expectGremlinEvery)", "--gremlin-delay-ms", "\(gremlinDelayMs)"]
            }
            if let expectGremlinFraction {
                arguments += ["--gremlin-fraction", "\(expectGremlinFraction)", "--gremlin-delay-ms", "\(gremlinDelayMs)"]
            }
            let system = try await SystemLauncher.start(executable: Supervisor.executableURL, arguments: arguments, http: http)
            launched = system
            directory = system.dataDirectory
            orderURL = system.orderURL
            inventoryURL = system.inventoryURL
            notificationURL = system.notificationURL
        }
        let tokenFile = adminTokenFile.map { URL(fileURLWithPath: $0) } ?? directory?.appendingPathComponent("admin-token")
        guard let tokenFile, let token = try? String(contentsOf: tokenFile, encoding: .utf8) else {
            await launched?.stop()
            throw ValidationError("the admin token is needed to stock the load's SKUs: give --data-dir or --admin-token-file")
        }
        var configuration = LoadTest.Configuration(
            orderURL: orderURL!,
            inventoryURL: inventoryURL,
            adminToken: token.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        configuration.orders = orders ?? (bench ? 20_000 : 3000)
        configuration.concurrency = concurrency ?? (bench ? 64 : 32)
        configuration.rate = rate
        configuration.timeLimit = .seconds(bench && timeLimit == 300 ? 60 : timeLimit)
        configuration.seed = seed
        configuration.expected = expected
        configuration.deadline = .milliseconds(deadlineMs)
        configuration.slack = .milliseconds(slackMs)
        configuration.notificationURL = notificationURL

        let cpuBefore = directory.map(Self.cpuSeconds(of:)) ?? [:]
        let result: LoadTest.Result
        do {
            result = try await LoadTest(configuration: configuration, logger: logger).run(http: http)
        } catch {
            await launched?.stop()
            throw error
        }
        var memory: [String: Double] = [:]
        var cpuPerOrder: [String: Double] = [:]
        if let directory {
            for (service, pid) in Self.pids(in: directory) {
                if let peak = peakResidentMemoryMiB(pid: pid) { memory[service] = peak }
            }
            let placed = Double(max(1, result.records.count))
            for (process, seconds) in Self.cpuSeconds(of: directory) {
                if let before = cpuBefore[process] { cpuPerOrder[process] = (seconds - before) * 1000 / placed }
            }
        }
        await launched?.stop()
        await http.shutdown()

        let report = LoadReport(
            configuration: configuration, result: result, peakMemoryMiB: memory, cpuMillisecondsPerOrder: cpuPerOrder,
            durability: launched == nil ? nil : durability)
        let reportDirectory = URL(fileURLWithPath: reportDir, isDirectory: true).standardizedFileURL
        try report.write(to: reportDirectory)
        print(report.summary)
        print("Reports: \(reportDirectory.appendingPathComponent("report.md").path), report.json")
        if !result.passed { throw ExitCode(1) }
    }
}
