import Foundation
import Synchronization
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// Starts the whole system with `warehouse up` as a child process, on free loopback ports and a fresh
/// data directory, and gives the lab what it needs to drive it and break it: URLs, the admin token,
/// each service's pid (from `DIR/run/<service>.pid`), and a clean stop.
package final class SystemLauncher: @unchecked Sendable {
    // Unchecked: `process` is touched only by the lab run that owns this launcher.
    package let dataDirectory: URL
    package let orderURL: String
    package let inventoryURL: String
    private let process: Process
    private let http: LabHTTP

    private init(dataDirectory: URL, orderURL: String, inventoryURL: String, process: Process, http: LabHTTP) {
        self.dataDirectory = dataDirectory
        self.orderURL = orderURL
        self.inventoryURL = inventoryURL
        self.process = process
        self.http = http
    }

    /// Starts `executable up` with `arguments` and returns once both services are ready.
    ///
    /// - Parameter dataDirectory: the data directory to run on (a restored one, say); a fresh one by default.
    package static func start(
        executable: URL, arguments: [String], http: LabHTTP, logFile: URL? = nil, dataDirectory: URL? = nil
    ) async throws -> SystemLauncher {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ports = try freePorts(3)
        let process = Process()
        process.executableURL = executable
        process.arguments =
            [
                "up", "--data-dir", directory.path,
                "--order-port", "\(ports[0])", "--inventory-port", "\(ports[1])", "--console-port", "\(ports[2])",
            ] + arguments
        let log = logFile ?? directory.appendingPathComponent("up.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let launcher = SystemLauncher(
            dataDirectory: directory,
            orderURL: "http://127.0.0.1:\(ports[0])",
            inventoryURL: "http://127.0.0.1:\(ports[1])",
            process: process,
            http: http
        )
        do {
            try await launcher.waitUntilReady(timeout: .seconds(60))
        } catch {
            await launcher.stop()
            throw error
        }
        return launcher
    }

    package var adminToken: String {
        get throws {
            try String(contentsOf: dataDirectory.appendingPathComponent("admin-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The pid of a running service (`order`, `inventory`), or nil while it is being restarted.
    package func pid(of service: String) -> Int32? {
        let file = dataDirectory.appendingPathComponent("run/\(service).pid")
        return (try? String(contentsOf: file, encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    package func waitUntilReady(timeout: Duration) async throws {
        let giveUp = ContinuousClock.now + timeout
        for (service, url) in [("inventory", inventoryURL), ("order", orderURL)] {
            while !(await ReadinessProbe.isReady(service, at: url, client: http.client)) {
                guard process.isRunning else { throw LabError.systemExited }
                guard ContinuousClock.now < giveUp else { throw LabError.notReady(url) }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// SIGTERM to `warehouse up`, then waits for it to exit; removes the data directory.
    package func stop(keepData: Bool = false) async {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let giveUp = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if !keepData { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    /// Every port `freePorts` has handed out in this process so far.
    private static let handedOut = Mutex(Set<Int>())

    /// Ports the kernel hands out as free right now, never one this process handed out before: systems
    /// started side by side (parallel tests) would otherwise be given the same just-freed port, and one
    /// system's service would answer for the other's.
    package static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        // A port seen before stays bound until the end, so the kernel offers another one next.
        while ports.count < count {
            let port = try bindFreePort(keepingOpenIn: &sockets)
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh { ports.append(port) }
            guard sockets.count < count + 1000 else { throw LabError.noFreePort }
        }
        return ports
    }

    /// Binds a socket to port 0 on loopback and returns the port the kernel chose; the socket is kept in
    /// `sockets` for the caller to close.
    private static func bindFreePort(keepingOpenIn sockets: inout [Int32]) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LabError.noFreePort }
        sockets.append(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw LabError.noFreePort }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

package enum LabError: Error, CustomStringConvertible {
    case noFreePort
    case systemExited
    case notReady(String)
    case unexpected(String)

    package var description: String {
        switch self {
        case .noFreePort: "no free loopback port"
        case .systemExited: "warehouse up exited before it was ready (see its log)"
        case .notReady(let url): "\(url) was not ready in time"
        case .unexpected(let what): what
        }
    }
}
