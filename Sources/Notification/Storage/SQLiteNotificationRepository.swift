import Foundation
import GRDB
import WarehouseKit

/// The notification service's SQLite database: its schema (migrations run at open) and the transactions
/// on it.
package struct SQLiteNotificationRepository: NotificationRepository {
    package let writer: any DatabaseWriter

    package init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: feed cursor, notifications, subscriptions, deliveries") { db in
            try db.execute(
                sql: """
                    -- How far each feed has been read; moved in the transaction that stores what it produced.
                    CREATE TABLE feedCursors (
                        feed TEXT PRIMARY KEY,
                        position INTEGER NOT NULL CHECK (position >= 0),
                        updatedAt TEXT NOT NULL
                    );
                    CREATE TABLE notifications (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        customerId TEXT NOT NULL,
                        orderId TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('shipped', 'rejected', 'delayed')),
                        message TEXT NOT NULL,
                        reason TEXT,
                        eventId TEXT NOT NULL,
                        eventPosition INTEGER NOT NULL,
                        occurredAt TEXT NOT NULL,
                        createdAt TEXT NOT NULL,
                        -- Exactly one notification per order transition, however often its event is read.
                        UNIQUE (orderId, kind)
                    );
                    CREATE INDEX notifications_by_customer ON notifications (customerId, sequence);
                    CREATE TABLE subscriptions (
                        customerId TEXT PRIMARY KEY,
                        url TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        createdAt TEXT NOT NULL,
                        updatedAt TEXT NOT NULL
                    );
                    CREATE TABLE deliveries (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        notificationId TEXT NOT NULL UNIQUE REFERENCES notifications (id),
                        customerId TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                        createdAt TEXT NOT NULL,
                        nextAttemptAt TEXT,
                        deliveredAt TEXT,
                        giveUpAt TEXT NOT NULL
                    );
                    CREATE INDEX deliveries_due ON deliveries (nextAttemptAt) WHERE status = 'pending';
                    CREATE INDEX deliveries_by_customer ON deliveries (customerId, sequence);
                    CREATE TABLE deliveryAttempts (
                        deliveryId TEXT NOT NULL REFERENCES deliveries (id),
                        number INTEGER NOT NULL,
                        startedAt TEXT NOT NULL,
                        durationMs REAL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'delivered', 'failed', 'interrupted')),
                        statusCode INTEGER,
                        error TEXT,
                        PRIMARY KEY (deliveryId, number)
                    );
                    """)
        }
        return migrator
    }

    // MARK: The feed

    package func cursor(feed: String) async throws -> Int64 {
        try await writer.read { db in try Self.cursor(db, feed: feed) }
    }

    private static func cursor(_ db: Database, feed: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT position FROM feedCursors WHERE feed = ?", arguments: [feed]) ?? 0
    }

    package func apply(
        _ events: [OrderEvent], feed: String, from position: Int64, to next: Int64, now: Date, retryWindow: Duration
    ) async throws -> AppliedEvents {
        try await writer.write { db in
            let found = try Self.cursor(db, feed: feed)
            guard found == position else { throw NotificationStoreError.cursorMoved(expected: position, found: found) }
            var applied = AppliedEvents()
            let stamp = UTCTimestamp.sqlite(now)
            let giveUpAt = UTCTimestamp.sqlite(now.addingTimeInterval(retryWindow.seconds))
            for event in events {
                guard let notification = Notification.made(from: event, at: now) else { continue }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO notifications (id, customerId, orderId, kind, message, reason, eventId, eventPosition,
                                                   occurredAt, createdAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (orderId, kind) DO NOTHING
                        """
                ).execute(arguments: [
                    notification.id, notification.customerId, notification.orderId, notification.kind.rawValue,
                    notification.message, notification.reason, notification.eventId, notification.eventPosition,
                    UTCTimestamp.sqlite(notification.occurredAt), stamp,
                ])
                guard db.changesCount == 1 else { continue }
                applied.notifications[notification.kind, default: 0] += 1
                // A delivery for a subscribed customer, due now, in the same transaction: a notification
                // is never stored without the webhook it owes.
                try db.cachedStatement(
                    sql: """
                        INSERT INTO deliveries (id, notificationId, customerId, status, createdAt, nextAttemptAt, giveUpAt)
                        SELECT ?, ?, customerId, 'pending', ?, ?, ? FROM subscriptions WHERE customerId = ?
                        """
                ).execute(arguments: [Delivery.makeID(), notification.id, stamp, stamp, giveUpAt, notification.customerId])
                applied.deliveries += db.changesCount
            }
            try db.execute(
                sql: """
                    INSERT INTO feedCursors (feed, position, updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT (feed) DO UPDATE SET position = excluded.position, updatedAt = excluded.updatedAt
                    """,
                arguments: [feed, next, stamp]
            )
            return applied
        }
    }

    // MARK: The inbox

    package func notifications(customerId: String?, after: Int64, limit: Int) async throws -> [Notification] {
        try await writer.read { db in
            let rows =
                if let customerId {
                    try Row.fetchAll(
                        db,
                        sql: "SELECT * FROM notifications WHERE customerId = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                        arguments: [customerId, after, limit])
                } else {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM notifications WHERE sequence > ? ORDER BY sequence LIMIT ?",
                        arguments: [after, limit])
                }
            return rows.map(Self.notification(from:))
        }
    }

    private static func notification(from row: Row) -> Notification {
        Notification(
            sequence: row["sequence"],
            id: row["id"],
            customerId: row["customerId"],
            orderId: row["orderId"],
            kind: NotificationKind(rawValue: row["kind"]) ?? .delayed,
            message: row["message"],
            reason: row["reason"],
            eventId: row["eventId"],
            eventPosition: row["eventPosition"],
            occurredAt: row["occurredAt"],
            createdAt: row["createdAt"]
        )
    }

    // MARK: Subscriptions

    package func putSubscription(customerId: String, url: String, now: Date) async throws -> (Subscription, created: Bool) {
        try await writer.write { db in
            let stamp = UTCTimestamp.sqlite(now)
            try db.execute(
                sql: "UPDATE subscriptions SET url = ?, updatedAt = ? WHERE customerId = ?", arguments: [url, stamp, customerId])
            let created = db.changesCount == 0
            if created {
                try db.execute(
                    sql: "INSERT INTO subscriptions (customerId, url, secret, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?)",
                    arguments: [customerId, url, WebhookSecret.random().text, stamp, stamp])
            }
            guard let subscription = try Self.subscription(db, customerId: customerId) else {
                throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "subscription vanished inside its transaction")
            }
            return (subscription, created)
        }
    }

    package func subscription(customerId: String) async throws -> Subscription? {
        try await writer.read { db in try Self.subscription(db, customerId: customerId) }
    }

    private static func subscription(_ db: Database, customerId: String) throws -> Subscription? {
        try Row.fetchOne(db, sql: "SELECT * FROM subscriptions WHERE customerId = ?", arguments: [customerId]).flatMap { row in
            guard let secret = WebhookSecret(row["secret"]) else { return nil }
            return Subscription(
                customerId: row["customerId"], url: row["url"], secret: secret, createdAt: row["createdAt"],
                updatedAt: row["updatedAt"])
        }
    }

    // MARK: Deliveries

    package func dueDeliveries(asOf now: Date, limit: Int) async throws -> [DueDelivery] {
        try await writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id AS deliveryId, d.giveUpAt, s.url, s.secret,
                           (SELECT count(*) FROM deliveryAttempts a WHERE a.deliveryId = d.id) AS attempts, n.*
                    FROM deliveries d
                    JOIN subscriptions s ON s.customerId = d.customerId
                    JOIN notifications n ON n.id = d.notificationId
                    WHERE d.status = 'pending' AND d.nextAttemptAt <= ?
                    ORDER BY d.nextAttemptAt
                    LIMIT ?
                    """,
                arguments: [UTCTimestamp.sqlite(now), limit]
            )
            return rows.compactMap { row in
                guard let secret = WebhookSecret(row["secret"]) else { return nil }
                return DueDelivery(
                    deliveryId: row["deliveryId"], notification: Self.notification(from: row), url: row["url"], secret: secret,
                    attempts: row["attempts"], giveUpAt: row["giveUpAt"])
            }
        }
    }

    package func nextDeliveryDue() async throws -> Date? {
        try await writer.read { db in
            try Date.fetchOne(db, sql: "SELECT min(nextAttemptAt) FROM deliveries WHERE status = 'pending'")
        }
    }

    package func beginAttempt(deliveryId: String, number: Int, at now: Date, leaseUntil: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE deliveries SET nextAttemptAt = ? WHERE id = ? AND status = 'pending' AND nextAttemptAt <= ?",
                arguments: [UTCTimestamp.sqlite(leaseUntil), deliveryId, UTCTimestamp.sqlite(now)])
            guard db.changesCount == 1 else { return false }
            // An attempt still `sending` had its lease run out: its process stopped while it was under way.
            try db.execute(
                sql: "UPDATE deliveryAttempts SET outcome = 'interrupted' WHERE deliveryId = ? AND outcome = 'sending'",
                arguments: [deliveryId])
            try db.execute(
                sql: "INSERT INTO deliveryAttempts (deliveryId, number, startedAt, outcome) VALUES (?, ?, ?, 'sending')",
                arguments: [deliveryId, number, UTCTimestamp.sqlite(now)])
            return true
        }
    }

    package func finishAttempt(deliveryId: String, number: Int, result: AttemptResult, durationMs: Double, at now: Date)
        async throws
    {
        try await writer.write { db in
            switch result {
            case .delivered(let statusCode):
                try db.execute(
                    sql: """
                        UPDATE deliveryAttempts SET outcome = 'delivered', statusCode = ?, durationMs = ?
                        WHERE deliveryId = ? AND number = ?
                        """,
                    arguments: [statusCode, durationMs, deliveryId, number])
                try db.execute(
                    sql: "UPDATE deliveries SET status = 'delivered', deliveredAt = ?, nextAttemptAt = NULL WHERE id = ?",
                    arguments: [UTCTimestamp.sqlite(now), deliveryId])
            case .failed(let statusCode, let error, let retryAt):
                try db.execute(
                    sql: """
                        UPDATE deliveryAttempts SET outcome = 'failed', statusCode = ?, error = ?, durationMs = ?
                        WHERE deliveryId = ? AND number = ?
                        """,
                    arguments: [statusCode, String(error.prefix(500)), durationMs, deliveryId, number])
                if let retryAt {
                    try db.execute(
                        sql: "UPDATE deliveries SET nextAttemptAt = ? WHERE id = ?",
                        arguments: [UTCTimestamp.sqlite(retryAt), deliveryId])
                } else {
                    try db.execute(
                        sql: "UPDATE deliveries SET status = 'failed', nextAttemptAt = NULL WHERE id = ?", arguments: [deliveryId])
                }
            }
        }
    }

    package func deliveries(customerId: String?, status: DeliveryStatus?, limit: Int) async throws -> [Delivery] {
        try await writer.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let customerId {
                conditions.append("d.customerId = ?")
                arguments += [customerId]
            }
            if let status {
                conditions.append("d.status = ?")
                arguments += [status.rawValue]
            }
            arguments += [limit]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, n.kind FROM deliveries d JOIN notifications n ON n.id = d.notificationId
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY d.sequence DESC LIMIT ?
                    """,
                arguments: arguments
            )
            return try rows.map { row in
                let id: String = row["id"]
                let attempts = try Row.fetchAll(
                    db, sql: "SELECT * FROM deliveryAttempts WHERE deliveryId = ? ORDER BY number", arguments: [id]
                ).map { attempt in
                    DeliveryAttempt(
                        number: attempt["number"], startedAt: attempt["startedAt"], durationMs: attempt["durationMs"],
                        outcome: AttemptOutcome(rawValue: attempt["outcome"]) ?? .failed, statusCode: attempt["statusCode"],
                        error: attempt["error"])
                }
                return Delivery(
                    id: id, notificationId: row["notificationId"], customerId: row["customerId"],
                    eventType: (NotificationKind(rawValue: row["kind"]) ?? .delayed).eventType,
                    status: DeliveryStatus(rawValue: row["status"]) ?? .pending, createdAt: row["createdAt"],
                    nextAttemptAt: row["nextAttemptAt"], deliveredAt: row["deliveredAt"], giveUpAt: row["giveUpAt"],
                    attempts: attempts)
            }
        }
    }
}
