import AsyncHTTPClient
import BackupVendorAPI
import Crypto
import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import WarehouseKit

#if canImport(Glibc)
    import Glibc
#endif

/// The vendor over HTTP, through the client generated from its contract.
package struct HTTPBackupVendorClient: BackupVendorClient {
    private let client: Client

    /// - Parameters:
    ///   - crashPoint: where the process stops itself in a test (`during-call`: once the vendor's answer
    ///     to an upload has arrived, before it is read).
    package init(baseURL: URL, token: String, httpClient: HTTPClient, crashPoint: CrashPoint = CrashPoint(nil)) {
        // The account's token is a secret like the install's: no log line carries it.
        LogRedaction.register(token)
        client = Client(
            serverURL: baseURL,
            configuration: .warehouse,
            transport: AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: .minutes(10))),
            middlewares: [
                BearerClientMiddleware(token: BearerToken(token)), UnescapedRequestHeadersMiddleware(.contentDigest),
                CrashPointMiddleware(crashPoint: crashPoint),
            ]
        )
    }

    /// Runs `body` with a client of the vendor at `baseURL`, and shuts its connections down afterwards.
    package static func with<T>(
        baseURL: URL, token: String, crashPoint: CrashPoint = CrashPoint(nil), _ body: (HTTPBackupVendorClient) async throws -> T
    ) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(600))
        // A call that cannot connect must fail at once, as "not delivered", not after retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(
                HTTPBackupVendorClient(baseURL: baseURL, token: token, httpClient: http, crashPoint: crashPoint))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    package func upload(account: String, packID: String, file: URL, bytes: Int64, sha256: Data) async throws -> UploadAnswer {
        let output: Operations.UploadPack.Output
        do {
            output = try await client.uploadPack(
                path: .init(account: account, packId: packID),
                headers: .init(contentDigest: "sha-256=:\(sha256.base64EncodedString()):"),
                body: .binary(HTTPBody(FileChunks(url: file), length: .known(bytes), iterationBehavior: .single)))
        } catch {
            throw Self.classify(error)
        }
        switch output {
        case .created(let created):
            return .stored(VendorPack(try created.body.json))
        case .tooManyRequests(let refused):
            return .refused(retryAfterSeconds: refused.headers.retryAfter)
        case .badRequest(let answer): return .failed(status: 400, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .unauthorized(let answer): return .failed(status: 401, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .conflict(let answer): return .failed(status: 409, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .contentTooLarge(let answer):
            return .failed(status: 413, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .unsupportedMediaType(let answer):
            return .failed(status: 415, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .undocumented(let status, _): return .failed(status: status, detail: "undocumented answer")
        }
    }

    package func listPacks(account: String) async throws -> [VendorPack] {
        let output: Operations.ListPacks.Output
        do {
            output = try await client.listPacks(path: .init(account: account))
        } catch {
            throw Self.classify(error)
        }
        switch output {
        case .ok(let ok): return try ok.body.json.packs.map(VendorPack.init)
        case .badRequest(let answer):
            throw VendorCallError.answered(status: 400, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .unauthorized(let answer):
            throw VendorCallError.answered(status: 401, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .undocumented(let status, _): throw VendorCallError.answered(status: status, detail: "undocumented answer")
        }
    }

    package func download(account: String, packID: String, to file: URL) async throws {
        let output: Operations.DownloadPack.Output
        do {
            output = try await client.downloadPack(path: .init(account: account, packId: packID))
        } catch {
            throw Self.classify(error)
        }
        let ok: Operations.DownloadPack.Output.Ok
        switch output {
        case .ok(let answer): ok = answer
        case .badRequest(let answer):
            throw VendorCallError.answered(status: 400, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .unauthorized(let answer):
            throw VendorCallError.answered(status: 401, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .notFound(let answer):
            throw VendorCallError.answered(status: 404, detail: Self.detail(try? answer.body.applicationProblemJson))
        case .undocumented(let status, _): throw VendorCallError.answered(status: status, detail: "undocumented answer")
        }
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(file.path)", errno: errno) }
        defer { close(fd) }
        var hasher = SHA256()
        for try await chunk in try ok.body.binary {
            hasher.update(data: chunk)
            try DurableFile.writeAll(fd, Data(chunk), path: file.path)
        }
        let computed = "sha-256=:\(Data(hasher.finalize()).base64EncodedString()):"
        guard computed == ok.headers.contentDigest else {
            throw BackupError.vendor(
                "pack \(packID) arrived damaged: Content-Digest \(ok.headers.contentDigest), body \(computed)")
        }
    }

    /// A call that failed before a connection was made cannot have reached the vendor; any other failure may have.
    static func classify(_ error: any Error) -> VendorCallError {
        let underlying = (error as? ClientError)?.underlyingError ?? error
        return neverConnected(underlying) ? .notDelivered("\(underlying)") : .unknown("\(underlying)")
    }

    private static func neverConnected(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError:
            return error == .connectTimeout
        case is NIOConnectionError:
            return true
        case let error as IOError:
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode)
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        default:
            return false
        }
    }

    private static func detail(_ problem: Components.Schemas.Problem?) -> String {
        problem?.detail ?? problem?.title ?? "no detail"
    }
}

extension VendorPack {
    init(_ pack: Components.Schemas.Pack) {
        self.init(packID: pack.packId, bytes: pack.bytes, sha256: pack.sha256, storedAt: pack.storedAt, day: pack.day)
    }
}

/// Stops the process once an upload's answer has arrived, before it is read (tests of `ship`).
struct CrashPointMiddleware: ClientMiddleware {
    let crashPoint: CrashPoint

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let answer = try await next(request, body, baseURL)
        if operationID == "uploadPack" { crashPoint.reach(.duringCall) }
        return answer
    }
}
