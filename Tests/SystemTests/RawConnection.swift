import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to 127.0.0.1 driven byte by byte, as a hostile or broken client drives one: one
/// that opens and says nothing, sends half a request, or trickles its body. An HTTP client library
/// cannot misbehave this way on purpose.
final class RawConnection: @unchecked Sendable {
    // Unchecked: the descriptor is only used by the test task that owns the connection.
    private let descriptor: Int32
    private var isClosed = false

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Starts connecting to `port` without waiting: a flood of these may sit in the server's listen
    /// queue, or wait for room in it, without blocking the test.
    static func open(port: Int) -> RawConnection? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            Glibc.close(descriptor)
            return nil
        }
        return RawConnection(descriptor: descriptor)
    }

    /// Sends `text` if the connection has room for it; false when it is not (or no longer) usable.
    @discardableResult
    func send(_ text: String) -> Bool {
        guard !isClosed, wait(for: Int16(POLLOUT), milliseconds: 0) else { return false }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server has closed the connection (an end of stream or a reset is waiting to be read).
    /// Anything else it sent is read and dropped.
    var closedByPeer: Bool {
        guard !isClosed else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET || errno == EPIPE }
        }
    }

    /// Sends a whole request on a new connection and returns the status line of the answer, or nil when
    /// none came within `timeout` (no connection, no answer).
    static func request(port: Int, _ request: String, timeout: Duration) async -> String? {
        guard let connection = open(port: port) else { return nil }
        defer { connection.close() }
        let giveUp = ContinuousClock.now + timeout
        while !connection.wait(for: Int16(POLLOUT), milliseconds: 0) {
            guard ContinuousClock.now < giveUp else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard connection.send(request) else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < giveUp {
            let count = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += buffer.prefix(count)
                if let end = received.firstIndex(of: UInt8(ascii: "\r")) { return String(decoding: received[..<end], as: UTF8.self) }
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                return nil
            } else {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return nil
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }

    deinit { close() }

    private func wait(for events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & events != 0 && entry.revents & Int16(POLLERR) == 0
    }
}
