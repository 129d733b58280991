// The one rule of the contract that is not a schema the generator checks: what an account name or a
// pack id may be (the `pattern` of both path parameters in openapi.yaml).

/// Account names and pack ids: 1 to 64 of `[A-Za-z0-9_-]`, starting with a letter or digit (safe as file names).
package enum BackupVendorNames {
    package static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
