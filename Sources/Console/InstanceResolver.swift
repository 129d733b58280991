import Foundation
import NIOPosix
import WarehouseKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the instances behind a service URL.
package protocol InstanceResolver: Sendable {
    /// The base URLs of the instances `url` stands for, within `timeout`: one per address its host
    /// resolves to, else `url` itself (one address, an address already, or no answer in time, when the
    /// call to it will say what is wrong).
    func instances(of url: URL, timeout: Duration) async -> [URL]
}

/// Resolves a URL's host name with the system resolver (`getaddrinfo`: DNS, `/etc/hosts`), on NIO's
/// thread pool since it blocks. A Kubernetes headless Service's name resolves to every ready pod's
/// address, so asking at each poll follows pods as they come and go.
package struct SystemInstanceResolver: InstanceResolver {
    package init() {}

    package func instances(of url: URL, timeout: Duration) async -> [URL] {
        guard let host = url.host, !Self.isAddress(host) else { return [url] }
        // A resolver that does not answer in time leaves the thread it blocks: the poll goes on without it.
        let addresses =
            (try? await withDeadline(.now + timeout) {
                try await NIOThreadPool.singleton.runIfActive { Self.addresses(of: host) }
            }) ?? []
        guard addresses.count > 1 else { return [url] }
        return addresses.compactMap { Self.url(url, at: $0) }
    }

    /// `url` with its host replaced by `address` (bracketed when IPv6).
    static func url(_ url: URL, at address: String) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedHost = address.contains(":") ? "[\(address)]" : address
        return components.url
    }

    static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    /// The distinct addresses `host` resolves to for TCP, in the resolver's order; none when it fails.
    /// IPv4 ones only when it has any: a dual-stack name (`localhost`, a pod of a dual-stack cluster)
    /// has an address of each family per instance, and counting both would count each instance twice.
    static func addresses(of host: String) -> [String] {
        let both = resolved(host)
        let v4 = both.filter { !$0.contains(":") }
        return v4.isEmpty ? both : v4
    }

    private static func resolved(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let text = text(of: current.pointee), !addresses.contains(text) { addresses.append(text) }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    private static func text(of info: addrinfo) -> String? {
        guard let address = info.ai_addr else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written: UnsafePointer<CChar>?
        switch info.ai_family {
        case AF_INET:
            written = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                return inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count))
            }
        case AF_INET6:
            written = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                return inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            }
        default:
            return nil
        }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
