import Foundation
import Logging
import Testing
import WarehouseKit

/// The hand-written log line must be the JSON a log tool expects: valid, keys sorted, strings escaped.
@Suite("JSONLogLine")
struct JSONLogLineTests {
    func render(message: String = "order stored", metadata: Logger.Metadata = [:]) -> [UInt8] {
        JSONLogLine.render(
            time: Date(timeIntervalSince1970: 1_764_077_651.123_4), level: .info, label: "order", message: message,
            metadata: metadata)
    }

    func object(_ line: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test("one JSON object on one line, keys in order, metadata at the top level")
    func shape() throws {
        let line = render(metadata: ["order_id": "o-1", "attempt": .stringConvertible(2)])
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false)
        #expect(
            String(decoding: line, as: UTF8.self)
                == #"{"attempt":"2","label":"order","level":"info","message":"order stored","order_id":"o-1","time":"2025-11-25T13:34:11.123Z"}"#
                + "\n")
    }

    @Test("metadata cannot replace the time, level, label or message")
    func reservedKeys() throws {
        let fields = try object(render(metadata: ["level": "critical", "message": "forged", "time": "never"]))
        #expect(fields["level"] as? String == "info")
        #expect(fields["message"] as? String == "order stored")
        #expect(fields["time"] as? String == "2025-11-25T13:34:11.123Z")
    }

    @Test("quotes, backslashes, control characters and non-ASCII survive a round trip")
    func escaping() throws {
        let tricky = "a \"quoted\" \\ path/with\nnewline\ttab\u{01}\u{1F} Grüße 📦"
        let fields = try object(render(message: tricky, metadata: ["error": .string(tricky)]))
        #expect(fields["message"] as? String == tricky)
        #expect(fields["error"] as? String == tricky)
    }

    @Test("arrays and dictionaries nest as JSON")
    func nested() throws {
        let fields = try object(render(metadata: ["skus": ["A", "B"], "counts": ["b": "2", "a": "1"]]))
        #expect(fields["skus"] as? [String] == ["A", "B"])
        #expect(fields["counts"] as? [String: String] == ["a": "1", "b": "2"])
    }
}
