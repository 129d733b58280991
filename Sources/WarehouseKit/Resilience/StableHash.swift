/// A 64-bit hash that is the same in every process, run and machine (Swift's `Hasher` is seeded per
/// process, so it cannot drive a decision that must repeat after a restart or on another replica).
///
/// FNV-1a over the bytes, finished with the SplitMix64 mixer (`SplitMix64.mix`) for a uniform spread.
package enum StableHash {
    package static func hash(_ text: String, seed: UInt64) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return SplitMix64.mix(value)
    }

    /// A number in [0, 1) determined by `text` and `seed` alone.
    package static func unit(_ text: String, seed: UInt64) -> Double {
        Double(hash(text, seed: seed) >> 11) * 0x1.0p-53
    }
}
