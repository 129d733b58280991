import Foundation
import Testing

@testable import WarehouseKit

/// The request validator's JSON parser: everything RFC 8259 allows, nothing it does not.
@Suite("JSONValueParser")
struct JSONValueParserTests {
    func parse(_ text: String) throws -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    func parse(bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try JSONValueParser.parse($0) }
    }

    @Test("objects, arrays, strings, literals and numbers")
    func documents() throws {
        #expect(
            try parse(#" {"customerId": "c-1", "items": [{"sku": "A", "quantity": 2}], "note": null, "gift": true} "#)
                == .object([
                    "customerId": .string("c-1"),
                    "items": .array([.object(["sku": .string("A"), "quantity": .integer(2)])]),
                    "note": .null,
                    "gift": .bool(true),
                ]))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test("integers stay integers; fractions, exponents and huge integers become doubles")
    func numbers() throws {
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-42") == .integer(-42))
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try parse("2.5") == .number(2.5))
        #expect(try parse("2.0") == .number(2))
        #expect(try parse("-1E3") == .number(-1000))
        #expect(try parse("1e-2") == .number(0.01))
    }

    @Test("escapes, including surrogate pairs, and raw UTF-8")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC\ud83d\ude00""#) == .string("é€😀"))
        #expect(try parse(#""Grüße 📦""#) == .string("Grüße 📦"))
    }

    /// The validator and the generated decoder must read the same value: with a name twice they need not.
    @Test("a property name twice in one object is refused, where it is")
    func duplicateNames() throws {
        #expect(throws: JSONValueParser.SyntaxError(message: #"the property "a" appears twice"#, offset: 9)) {
            try parse(#"{"a": 1, "a": 2}"#)
        }
        #expect(throws: JSONValueParser.SyntaxError.self) { try parse(#"[{"b": {"a": 1, "a": 1}}]"#) }
        // The same name in different objects is fine.
        #expect(try parse(#"[{"a": 1}, {"a": 2}]"#) == .array([.object(["a": .integer(1)]), .object(["a": .integer(2)])]))
    }

    @Test(
        "what the grammar forbids is a syntax error",
        arguments: [
            "", " ", "{", "}", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, "{a: 1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1",
            "tru", "nul", "True", "NaN", "Infinity", "1e999", "'a'", #""abc"#, #""\x""#, #""\u12""#, #""\ud83d""#,
            #""\ude00""#, #""\ud83d\u0041""#, "\"a\u{01}b\"", "1 2", "{} x", "[", "[[[", "\u{FEFF}{}",
        ])
    func rejects(_ text: String) {
        #expect(throws: JSONValueParser.SyntaxError.self) { try parse(text) }
    }

    @Test("invalid UTF-8 inside a string is a syntax error")
    func invalidUTF8() {
        #expect(throws: JSONValueParser.SyntaxError.self) { try parse(bytes: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONValueParser.SyntaxError.self) { try parse(bytes: [0x22, 0xFF, 0x22]) }
    }

    @Test("nesting stops at the limit instead of exhausting the stack")
    func depth() throws {
        let limit = JSONValueParser.maximumDepth
        _ = try parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))
        #expect(throws: JSONValueParser.SyntaxError(message: "nested deeper than \(limit) levels", offset: limit)) {
            try parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        #expect(throws: JSONValueParser.SyntaxError.self) { try parse(String(repeating: "[", count: 1_000_000)) }
    }

    @Test("the error says what and where")
    func errorPosition() {
        #expect(throws: JSONValueParser.SyntaxError(message: "expected ':' after a property name", offset: 5)) {
            try parse(#"{"a" 1}"#)
        }
    }
}
