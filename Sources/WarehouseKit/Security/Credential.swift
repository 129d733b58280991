import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One of the two bearer credentials of an install, and where a process finds it.
///
/// | credential | guards | who holds it |
/// |---|---|---|
/// | admin token | restock, chaos, the fault ledger, health details, listing every customer's orders | operators |
/// | service token | inventory's deductions, the event feeds | the services, to call each other |
///
/// Each is read from the first of: its environment variable (`WAREHOUSE_ADMIN_TOKEN`,
/// `WAREHOUSE_SERVICE_TOKEN`: secrets are never flags), the file its `-file` setting names (a mounted
/// secret; refused when others may read it), or its file in the data directory, made on first use
/// (random, mode 0600 from its creation; narrowed to 0600 with a log line if it was found wider).
/// Every token read is registered with `LogRedaction`, so no log line ever carries it.
package struct Credential: Sendable {
    /// `admin token`, in messages.
    package let name: String
    /// Its file in the data directory.
    package let fileName: String
    package let valueSetting: Setting<String?>
    package let fileSetting: Setting<String?>

    package static let admin = Credential(
        name: "admin token", fileName: "admin-token", valueSetting: CommonSettings.adminToken,
        fileSetting: CommonSettings.adminTokenFile)
    package static let service = Credential(
        name: "service token", fileName: "service-token", valueSetting: CommonSettings.serviceToken,
        fileSetting: CommonSettings.serviceTokenFile)

    package func fileURL(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(fileName)
    }

    /// The token `settings` name (see the type's documentation for the order), made when missing.
    package func load(_ settings: Settings, logger: Logger) throws -> BearerToken {
        try load(
            dataDirectory: settings.dataDirectory, given: settings[valueSetting], file: settings[fileSetting], logger: logger)
    }

    /// The token: `given` (the environment variable), else the secret file `secretFile`, else the data
    /// directory's file, made if missing.
    package func load(dataDirectory: URL, given: String?, file secretFile: String? = nil, logger: Logger? = nil) throws
        -> BearerToken
    {
        let text: String
        if let given, !given.isEmpty {
            text = try validated(given, source: valueSetting.environmentName)
        } else if let secretFile, !secretFile.isEmpty {
            let secret: String
            do throws(SecretFileError) {
                secret = try SecretFile.readPrivate(secretFile)
            } catch .readableByOthers {
                throw CredentialError.readableByOthers(secretFile, setting: fileSetting.flag)
            } catch {
                throw CredentialError.noSecret(secretFile, setting: fileSetting.flag)
            }
            text = try validated(secret, source: secretFile)
        } else {
            text = try validated(try ownFile(in: dataDirectory, logger: logger), source: fileURL(in: dataDirectory).path)
        }
        LogRedaction.register(text)
        return BearerToken(text)
    }

    /// The token as a client of the services finds it (`warehouse events tail`, the lab): its
    /// environment variable, else `file`, else the data directory's file. Nothing is made.
    package func find(dataDirectory: URL, file: String? = nil, environment: [String: String]) throws -> BearerToken {
        if let given = environment[valueSetting.environmentName], !given.isEmpty { return BearerToken(given) }
        let path = file ?? fileURL(in: dataDirectory).path
        guard let text = SecretFile.contents(path) else { throw CredentialError.noSecret(path, setting: "the \(name)") }
        return BearerToken(text)
    }

    /// The token in the data directory's file, made when missing; the file narrowed to 0600 if others
    /// or the group could read it.
    private func ownFile(in dataDirectory: URL, logger: Logger?) throws -> String {
        if let note = try SecretFile.makePrivateDirectory(dataDirectory) { logger?.warning("\(note)") }
        let file = fileURL(in: dataDirectory).path
        if let mode = SecretFile.mode(file), mode & 0o077 != 0 {
            guard chmod(file, 0o600) == 0 else { throw CredentialError.cannotNarrow(file, mode: mode) }
            logger?.warning(
                "\(name) file was readable by others; narrowed to 0600",
                metadata: ["file": "\(file)", "mode_before": "\(String(mode, radix: 8))"])
        }
        if let existing = SecretFile.contents(file) { return existing }
        let fresh = SecretFile.randomHex(bytes: 32)
        // The whole token goes to a private file first, then is linked into place: the token file
        // appears complete or not at all, and when processes start together exactly one link wins
        // and every one of them reads that token.
        let staging = dataDirectory.appendingPathComponent(".\(fileName).\(getpid()).\(UInt32.random(in: .min ... .max))").path
        do {
            try SecretFile.createPrivate(staging, contents: fresh + "\n")
        } catch {
            throw CredentialError.cannotWrite(staging)
        }
        defer { unlink(staging) }
        if link(staging, file) != 0 {
            guard errno == EEXIST else { throw CredentialError.cannotWrite(file) }
            if let raced = SecretFile.contents(file) { return raced }
            // An empty file left by an older version or a crash: replace it whole.
            guard rename(staging, file) == 0 else { throw CredentialError.cannotWrite(file) }
        }
        return SecretFile.contents(file) ?? fresh
    }

    private func validated(_ text: String, source: String) throws(CredentialError) -> String {
        if let problem = BearerToken.problem(with: text) { throw .invalid(name, source: source, problem: problem) }
        return text
    }
}

package enum CredentialError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(String)
    /// The `-file` setting names a file that is missing, unreadable or empty.
    case noSecret(String, setting: String)
    /// The `-file` setting names a file others may read.
    case readableByOthers(String, setting: String)
    /// The data directory's token file is readable by others and could not be narrowed.
    case cannotNarrow(String, mode: mode_t)
    case invalid(String, source: String, problem: String)

    package var description: String {
        switch self {
        case .cannotWrite(let path): "cannot write the token to \(path)"
        case .noSecret(let path, let setting): "\(setting): no token can be read from \(path)"
        case .readableByOthers(let path, let setting):
            "\(setting): \(SecretFileError.readableByOthers(path, mode: SecretFile.mode(path) ?? 0))"
        case .cannotNarrow(let path, let mode):
            "\(path) may be read by others (mode \(String(mode, radix: 8))) and cannot be narrowed to 0600"
        case .invalid(let name, let source, let problem): "the \(name) from \(source) \(problem)"
        }
    }
}
