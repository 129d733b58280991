import Foundation
import Notification
import Testing

@Suite("Webhook signatures (Standard Webhooks)")
struct WebhookSignatureTests {
    @Test("the convention's own example signs to its published signature")
    func publishedVector() throws {
        // The example of the Standard Webhooks specification (standardwebhooks.com).
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8),
            secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("another body, id, time or secret gives another signature")
    func sensitivity() throws {
        let secret = WebhookSecret.random()
        let body = Data(#"{"a":1}"#.utf8)
        let base = WebhookSignature.sign(id: "msg_1", timestamp: 100, body: body, secret: secret)
        #expect(WebhookSignature.sign(id: "msg_2", timestamp: 100, body: body, secret: secret) != base)
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 101, body: body, secret: secret) != base)
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 100, body: Data(#"{"a":2}"#.utf8), secret: secret) != base)
        #expect(WebhookSignature.sign(id: "msg_1", timestamp: 100, body: body, secret: .random()) != base)
    }

    @Test("secrets: whsec_ and the base64 of at least 24 bytes; a new one is 32 random bytes")
    func secrets() throws {
        let fresh = WebhookSecret.random()
        #expect(fresh.text.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(fresh.text.dropFirst(6)))?.count == 32)
        #expect(fresh != WebhookSecret.random())
        #expect("\(fresh)" == "whsec_…")
        for bad in ["", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_AAAA"] {
            #expect(WebhookSecret(bad) == nil, "\(bad)")
        }
    }
}

@Suite("Delivery policy")
struct DeliveryPolicyTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("retries back off with full jitter, up to the cap")
    func backoff() {
        let policy = DeliveryPolicy()
        let giveUp = start.addingTimeInterval(24 * 3600)
        #expect(policy.retryAt(after: 1, failedAt: start, giveUpAt: giveUp, unit: 0) == start)
        #expect(policy.retryAt(after: 1, failedAt: start, giveUpAt: giveUp, unit: 0.5) == start.addingTimeInterval(0.5))
        #expect(policy.retryAt(after: 4, failedAt: start, giveUpAt: giveUp, unit: 0.5) == start.addingTimeInterval(4))
        #expect(policy.retryAt(after: 40, failedAt: start, giveUpAt: giveUp, unit: 0.99) == start.addingTimeInterval(0.99 * 3600))
    }

    @Test("the last attempt is made at the end of the window, and none after it")
    func window() {
        let policy = DeliveryPolicy()
        let giveUp = start.addingTimeInterval(24 * 3600)
        let late = giveUp.addingTimeInterval(-10)
        #expect(policy.retryAt(after: 30, failedAt: late, giveUpAt: giveUp, unit: 0.9) == giveUp)
        #expect(policy.retryAt(after: 31, failedAt: giveUp, giveUpAt: giveUp, unit: 0.9) == nil)
        #expect(policy.window >= .seconds(24 * 3600))
    }
}
