import Foundation

/// One event of a feed as a consumer reads it: the CloudEvents 1.0 envelope with its `data` decoded as
/// `Payload`, plus the feed's `position`.
package struct CloudEvent<Payload: Decodable & Sendable>: Decodable, Sendable {
    package var specversion: String
    package var id: String
    package var source: String
    package var type: String
    package var subject: String?
    package var time: Date?
    package var datacontenttype: String?
    package var data: Payload
    package var position: Int64
}

/// One page of a feed as a consumer reads it (`GET /events`).
package struct FeedPage<Payload: Decodable & Sendable>: Decodable, Sendable {
    package var events: [CloudEvent<Payload>]
    /// The position to read after next.
    package var next: Int64
    /// The newest position of the feed when the page was read.
    package var latest: Int64
}

extension JSONDecoder {
    /// Reads what the services here write: dates in ISO 8601, with or without milliseconds.
    package static var warehouse: JSONDecoder {
        let decoder = JSONDecoder()
        let transcoder = ISO8601FormatStyleTranscoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try transcoder.decode(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }
}
