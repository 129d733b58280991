/// The host names a service answers for (`--allowed-hosts`), against DNS rebinding: a hostile page whose
/// own name was made to resolve to 127.0.0.1 reaches the service with `Host: evil.example`, and is
/// answered 421 instead. Always allowed: IP addresses and `localhost` (a request naming an address cannot
/// have come through someone else's name; kubelet probes and Prometheus use pod addresses), and names of
/// a single label such as `inventory` (how services find each other in Compose and Kubernetes; nobody
/// outside can register a name without a dot, so none can be rebound).
package struct HostAllowList: SettingValue, Sendable, Equatable {
    /// Lowercased names; `.example.com` allows it and its subdomains; `*` allows any.
    package let entries: [String]

    package init(_ entries: [String] = []) {
        self.entries = entries.map { $0.lowercased() }
    }

    package init?(settingText: String) {
        let entries = settingText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard entries.allSatisfy(Self.isValidEntry) else { return nil }
        self.entries = entries.filter { !$0.isEmpty }
    }

    package var settingText: String { entries.joined(separator: ",") }
    package static var settingKind: String { "host names, comma-separated" }
    package static var settingExpectation: String { "host names separated by commas (letters, digits, dots, dashes; `*` for any)" }

    /// Whether a request whose `Host` is `authority` (`name`, `name:port`, `[v6]:port`) may be answered.
    /// A request without a Host (HTTP/1.0) cannot come from a browser and is answered.
    package func allows(_ authority: String?) -> Bool {
        guard let authority, !authority.isEmpty else { return true }
        guard let host = Self.host(of: authority) else { return false }
        if host.hasPrefix("[") || Self.isIPv4(host) || host == "localhost" || host.hasSuffix(".localhost") || !host.contains(".") {
            return true
        }
        return entries.contains { entry in
            entry == "*" || entry == host || (entry.hasPrefix(".") && (host.hasSuffix(entry) || host == entry.dropFirst()))
        }
    }

    /// The host of an authority, lowercased, without its port or a trailing dot; nil when malformed.
    static func host(of authority: String) -> String? {
        var text = Substring(authority.lowercased())
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && isPort(rest.dropFirst())) else { return nil }
            return String(text[...close])
        }
        if let colon = text.lastIndex(of: ":") {
            guard isPort(text[text.index(after: colon)...]) else { return nil }
            text = text[..<colon]
        }
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.allSatisfy(isHostByte) else { return nil }
        return String(text)
    }

    private static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 5 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
    }

    private static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
        }
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
    }

    private static func isValidEntry(_ entry: String) -> Bool {
        entry.isEmpty || entry == "*" || (!entry.hasPrefix("..") && entry.utf8.allSatisfy(isHostByte))
    }
}

/// Origins besides a service's own that a browser's state-changing request may come from (`--allowed-origins`).
package struct OriginAllowList: SettingValue, Sendable, Equatable {
    /// `scheme://host[:port]`, lowercased, without a default port.
    package let origins: [String]

    package init(_ origins: [String] = []) {
        self.origins = origins.compactMap(Self.normalized)
    }

    package init?(settingText: String) {
        let given = settingText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let origins = given.compactMap(Self.normalized)
        guard origins.count == given.count else { return nil }
        self.origins = origins
    }

    package var settingText: String { origins.joined(separator: ",") }
    package static var settingKind: String { "origins, comma-separated" }
    package static var settingExpectation: String { "origins such as https://shop.example or http://127.0.0.1:8090, separated by commas" }

    /// Whether a request from `origin` (its `Origin` header) may change something on a service reached
    /// as `authority` (its `Host`): the same host and port, or an origin listed. `null` (a sandboxed or
    /// opaque origin) never may.
    package func allows(origin: String, authority: String?) -> Bool {
        guard let origin = Self.normalized(origin) else { return false }
        if origins.contains(origin) { return true }
        guard let authority, let ownHost = HostAllowList.host(of: authority) else { return false }
        let (scheme, rest) = Self.split(origin)
        let port = authority.lastIndex(of: ":").flatMap { index in
            authority.hasSuffix("]") ? nil : Int(authority[authority.index(after: index)...])
        }
        // The service does not know whether a proxy in front of it speaks TLS: its own origin is its host
        // with either scheme, and the port of the Host header (a default one when it names none).
        let own = ownHost + (port.map { $0 == 80 || $0 == 443 ? "" : ":\($0)" } ?? "")
        return (scheme == "http" || scheme == "https") && rest == own
    }

    /// `scheme://host[:port]` lowercased, the scheme's default port dropped; nil when `text` is not an origin.
    static func normalized(_ text: String) -> String? {
        let lower = text.lowercased()
        guard let schemeEnd = lower.range(of: "://") else { return nil }
        let scheme = String(lower[..<schemeEnd.lowerBound])
        var authority = String(lower[schemeEnd.upperBound...])
        guard scheme == "http" || scheme == "https", !authority.contains("/"), let host = HostAllowList.host(of: authority)
        else { return nil }
        if authority.hasSuffix(":80") && scheme == "http" || authority.hasSuffix(":443") && scheme == "https" {
            authority = host
        }
        return "\(scheme)://\(authority)"
    }

    private static func split(_ origin: String) -> (scheme: String, authority: String) {
        let parts = origin.components(separatedBy: "://")
        return (parts[0], parts.dropFirst().joined())
    }
}
