/// Small pieces of JSON written by hand, for the hot paths where `JSONEncoder` cost more than the work
/// around it (log lines, the order lines stored with every order and deduction; perf, issue 6).
package enum JSONText {
    /// `text` as a JSON string: quoted, with `"`, `\\` and control characters escaped as RFC 8259
    /// requires; everything else, `/` and non-ASCII included, as it is.
    package static func string(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string to `bytes`.
    package static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `[{"sku":"A","quantity":2},…]`: the lines of an order or a deduction, as stored.
    package static func lines(_ lines: some Sequence<(sku: String, quantity: Int)>) -> String {
        var text = "["
        for (index, line) in lines.enumerated() {
            if index > 0 { text += "," }
            text += #"{"sku":"# + string(line.sku) + #","quantity":"# + String(line.quantity) + "}"
        }
        return text + "]"
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
