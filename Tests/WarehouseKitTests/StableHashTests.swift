import Testing
import WarehouseKit

struct StableHashTests {
    /// Pinned values (computed independently from the FNV-1a + SplitMix64 definition): if these change,
    /// every documented gremlin pattern would pick other keys than it did before.
    @Test func isTheSameInEveryProcessAndRun() {
        #expect(StableHash.hash("order-1", seed: 0) == 0x4b1f_a4bb_6f60_e07b)
        #expect(StableHash.hash("gremlin:order-1", seed: 7) == 0xb1b3_87ea_601b_9fe2)
        #expect(abs(StableHash.unit("gremlin:order-1", seed: 7) - 0.694_145_674_439_012_3) < 1e-15)
        #expect(StableHash.unit("gremlin:order-1", seed: 8) != StableHash.unit("gremlin:order-1", seed: 7))
    }

    @Test func spreadsKeysEvenly() {
        let hits = (0..<10_000).filter { StableHash.unit("key-\($0)", seed: 42) < 0.1 }.count
        #expect((900...1100).contains(hits), "\(hits) of 10000 under 0.1")
    }
}
