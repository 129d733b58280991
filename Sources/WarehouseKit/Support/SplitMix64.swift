/// SplitMix64: a tiny generator whose sequence depends only on its seed, and its finishing mixer.
/// The lab regenerates a seeded workload with it on every run and machine; `StableHash` finishes its
/// hash with the mixer for a uniform spread.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.finish(state)
    }

    /// One step of the generator from `input`: the increment, then the finishing mix.
    package static func mix(_ input: UInt64) -> UInt64 {
        finish(input &+ increment)
    }

    private static let increment: UInt64 = 0x9e37_79b9_7f4a_7c15

    private static func finish(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
