/// A 64-bit hash that is the same in every process, run and machine (Swift's `Hasher` is seeded per
/// process, so it cannot drive a decision that must repeat after a restart or on another replica).
///
/// FNV-1a over the bytes, finished with the SplitMix64 mixer for a uniform spread.
package enum StableHash {
    package static func hash(_ text: String, seed: UInt64) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return mix(value)
    }

    /// A number in [0, 1) determined by `text` and `seed` alone.
    package static func unit(_ text: String, seed: UInt64) -> Double {
        Double(hash(text, seed: seed) >> 11) * 0x1.0p-53
    }

    /// The SplitMix64 finalizer of `input` plus the golden-ratio step: consecutive inputs give unrelated words.
    package static func mix(_ input: UInt64) -> UInt64 {
        var z = input &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
