import Testing
import WarehouseKit

@Suite("RequestID")
struct RequestIDTests {
    @Test(
        "short printable ASCII ids are kept",
        arguments: [
            "abc", "req-42", "0f8fad5b-d9cb-469f-a165-70867728950e", "a:b/c?d=e&f~g", String(repeating: "x", count: 128),
        ])
    func accepted(_ id: String) {
        #expect(RequestID.accept(id) == id)
    }

    @Test(
        "anything else is replaced",
        arguments: [
            "", " ", "has space", "tab\there", "line\nbreak", "nul\u{0}", "del\u{7F}", "café", "😀",
            String(repeating: "x", count: 129),
        ])
    func rejected(_ id: String) {
        #expect(RequestID.accept(id) == nil)
    }

    @Test("no id is nil")
    func missing() {
        #expect(RequestID.accept(nil) == nil)
    }

    @Test("made ids are fresh and acceptable")
    func made() {
        let first = RequestID.make()
        let second = RequestID.make()
        #expect(first != second)
        #expect(RequestID.accept(first) == first)
        #expect(first == first.lowercased())
    }
}
