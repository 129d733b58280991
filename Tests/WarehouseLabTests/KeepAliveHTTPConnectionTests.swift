import Testing

@testable import WarehouseLab

@Suite("KeepAliveHTTPConnection")
struct KeepAliveHTTPConnectionTests {
    @Test("requests go to the path of the URL given; the connection knows its host")
    func paths() throws {
        #expect(KeepAliveHTTPConnection.path(of: "http://127.0.0.1:8080/orders") == "/orders")
        #expect(KeepAliveHTTPConnection.path(of: "http://127.0.0.1:8080/orders/o-1?x=1") == "/orders/o-1?x=1")
        #expect(KeepAliveHTTPConnection.path(of: "http://127.0.0.1:8080") == "/")
        #expect(throws: (any Error).self) { try KeepAliveHTTPConnection(baseURL: "https://127.0.0.1:1") }
        #expect(throws: (any Error).self) { try KeepAliveHTTPConnection(baseURL: "not a url") }
    }
}
