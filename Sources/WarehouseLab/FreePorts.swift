import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports to start systems on.
package enum FreePorts {
    /// Every port `take` has handed out in this process so far.
    private static let handedOut = Mutex(Set<Int>())

    /// Ports the kernel hands out as free right now, never one this process handed out before: systems
    /// started side by side (parallel tests) would otherwise be given the same just-freed port, and one
    /// system's service would answer for the other's.
    package static func take(_ count: Int) throws -> [Int] {
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
    /// The process exited before it was ready; the end of its log.
    case exited(String)
    /// It did not become ready in time; why, and the end of its log.
    case notReady(String, log: String)
    case timedOut(String)
    case unexpected(String)

    package var description: String {
        switch self {
        case .noFreePort: "no free loopback port"
        case .exited(let log): "warehouse exited before it was ready; the end of its log:\n\(log.suffix(4000))"
        case .notReady(let why, let log): "\(why); the end of the log:\n\(log.suffix(4000))"
        case .timedOut(let what): "timed out waiting until \(what)"
        case .unexpected(let what): what
        }
    }
}
