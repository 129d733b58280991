import HTTPTypes
import WarehouseKit

/// The vendor's errors, each with the answer it deserves (mapped in `ProblemMiddleware`).
package enum VendorError: HTTPProblemError, Equatable {
    case invalidName(parameter: String, value: String)
    /// The account has used today's upload (or is using it now).
    case dailyUploadUsed(account: String, day: String, retryAfterSeconds: Int)
    case packExists(account: String, packID: String)
    case packNotFound(account: String, packID: String)
    case notOctetStream(String?)
    case packTooLarge(limit: Int64)
    case digestMismatch(sent: String, computed: String)
    case malformedDigest(String)
    case clockNotSettable

    package var problem: Problem {
        switch self {
        case .invalidName(let parameter, let value):
            Problem(
                title: "Invalid parameter", status: 400,
                detail:
                    "\(parameter) \"\(value.prefix(80))\" must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit."
            )
        case .dailyUploadUsed(let account, let day, let seconds):
            Problem(
                title: "One upload a day", status: 429,
                detail: "Account \(account) has used its upload for \(day) (UTC). The next day begins in \(seconds) s.")
        case .packExists(let account, let packID):
            Problem(
                title: "Pack exists", status: 409,
                detail: "Account \(account) already has a pack \(packID); packs are never replaced.")
        case .packNotFound(let account, let packID):
            Problem(title: "Not found", status: 404, detail: "Account \(account) has no pack \(packID).")
        case .notOctetStream(let got):
            Problem(
                title: "Unsupported media type", status: 415,
                detail: "Send the pack as application/octet-stream"
                    + (got.map { " (got \($0))" } ?? " (no Content-Type was sent)") + ".")
        case .packTooLarge(let limit):
            Problem(title: "Pack too large", status: 413, detail: "A pack must not exceed \(limit) bytes.")
        case .digestMismatch(let sent, let computed):
            Problem(
                title: "Digest mismatch", status: 400,
                detail: "Content-Digest says \(sent) but the body is \(computed); nothing was stored. Send it again.")
        case .malformedDigest(let value):
            Problem(
                title: "Invalid header", status: 400,
                detail: "Content-Digest \"\(value.prefix(120))\" is not sha-256=:<base64>: (RFC 9530).")
        case .clockNotSettable:
            Problem(
                title: "Forbidden", status: 403,
                detail: "This vendor's clock is the system's; start it with --settable-clock to set it.")
        }
    }

    package var headers: HTTPFields {
        switch self {
        case .dailyUploadUsed(_, _, let seconds): [.retryAfter: String(seconds)]
        default: [:]
        }
    }
}
