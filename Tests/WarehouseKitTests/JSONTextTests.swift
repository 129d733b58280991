import Foundation
import Testing
import WarehouseKit

/// Hand-written JSON must read back as what was written, whatever the text holds.
@Suite("JSONText")
struct JSONTextTests {
    struct Line: Codable, Equatable {
        var sku: String
        var quantity: Int
    }

    @Test(
        "strings read back unchanged",
        arguments: ["", "plain", #"a "quoted" \ back\slash"#, "new\nline\ttab\r\u{01}\u{1F}", "a/b Grüße 📦"])
    func strings(_ text: String) throws {
        let decoded = try JSONDecoder().decode([String].self, from: Data(("[" + JSONText.string(text) + "]").utf8))
        #expect(decoded == [text])
    }

    @Test("order lines read back as the lines written")
    func lines() throws {
        let lines = [Line(sku: "A-1", quantity: 2), Line(sku: #"odd"sku\"#, quantity: 50)]
        let text = JSONText.lines(lines.map { ($0.sku, $0.quantity) })
        #expect(try JSONDecoder().decode([Line].self, from: Data(text.utf8)) == lines)
        #expect(JSONText.lines([]) == "[]")
    }
}
