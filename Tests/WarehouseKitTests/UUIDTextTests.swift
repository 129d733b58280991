import Foundation
import Testing
import WarehouseKit

@Suite("UUIDText")
struct UUIDTextTests {
    /// Hands out the given words in turn.
    struct ScriptedBits: RandomNumberGenerator {
        var words: [UInt64]
        mutating func next() -> UInt64 { words.removeFirst() }
    }

    @Test("the text is the bits in lowercase hex, grouped 8-4-4-4-12")
    func format() {
        #expect(UUIDText.format(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(UUIDText.format(0, 1) == "00000000-0000-0000-0000-000000000001")
        #expect(UUIDText.format(.max, .max) == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test("a random id carries version 4 and the RFC 9562 variant over the generator's bits")
    func versionAndVariant() {
        var ones = ScriptedBits(words: [.max, .max])
        #expect(UUIDText.random(using: &ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        var zeros = ScriptedBits(words: [0, 0])
        #expect(UUIDText.random(using: &zeros) == "00000000-0000-4000-8000-000000000000")
    }

    @Test("random ids differ and read back as the same UUID through Foundation")
    func randomIDs() throws {
        let ids = (0..<1000).map { _ in UUIDText.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(20) {
            let parsed = try #require(UUID(uuidString: id))
            #expect(parsed.uuidString.lowercased() == id)
            #expect(Array(id)[14] == "4")
        }
    }
}
