import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files that hold secrets, and the data directory that holds them: made private from the first byte,
/// never widened afterwards.
///
/// A secret file is created with `open(O_CREAT | O_EXCL, 0600)`, so no other user ever sees it, even for
/// the moment between creating and `chmod` (what `FileManager.createFile(atPath:contents:attributes:)`
/// does on Linux: write with the umask's mode, rename, then set the attributes).
package enum SecretFile {
    /// `count` random bytes as lowercase hex, from the system's generator.
    package static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Creates `directory` (and its parents) mode 0700 when missing. An existing directory that others
    /// may enter is narrowed to 0700 when this process owns it; otherwise it is left as it is (a volume
    /// mounted by an orchestrator belongs to it) and the returned note says so.
    ///
    /// - Returns: what was done to an existing directory, for the log; nil when nothing needed doing.
    @discardableResult
    package static func makePrivateDirectory(_ directory: URL) throws -> String? {
        var info = stat()
        if stat(directory.path, &info) != 0 {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The mode given to mkdir is narrowed by the umask, never widened: set it exactly.
            chmod(directory.path, 0o700)
            return nil
        }
        guard info.st_mode & 0o077 != 0 else { return nil }
        let before = String(info.st_mode & 0o777, radix: 8)
        if info.st_uid == geteuid(), chmod(directory.path, 0o700) == 0 {
            return "data directory \(directory.path) was mode \(before); narrowed to 0700"
        }
        return "data directory \(directory.path) is mode \(before) and not this user's to narrow; keep it 0700"
    }

    /// Writes `contents` to a new file `path` that only this user may read, failing if it exists.
    package static func createPrivate(_ path: String, contents: String) throws(SecretFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotWrite(path, errno: errno) }
        defer { close(descriptor) }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                if result < 0, errno == EINTR { continue }
                unlink(path)
                throw .cannotWrite(path, errno: errno)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            unlink(path)
            throw .cannotWrite(path, errno: errno)
        }
    }

    /// The trimmed contents of `path`, nil when it is missing, unreadable or blank.
    package static func contents(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The trimmed contents of a secret file put in place for this process (a mounted secret), refused
    /// when users other than its owner and group may read it: what every `--…-file` setting reads.
    package static func readPrivate(_ path: String) throws(SecretFileError) -> String {
        if let others = permissionsForOthers(path), others != 0 {
            throw .readableByOthers(path, mode: mode(path) ?? others)
        }
        guard let text = contents(path) else { throw .unreadable(path) }
        return text
    }

    /// The permission bits others (neither the owner nor the group) have on `path`, nil when it
    /// cannot be examined.
    package static func permissionsForOthers(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o007
    }

    /// The permission bits of `path`, nil when it cannot be examined.
    package static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }
}

package enum SecretFileError: Error, Equatable, CustomStringConvertible {
    case cannotWrite(String, errno: Int32)
    /// Users other than the owner and the group may read it (its permission bits).
    case readableByOthers(String, mode: mode_t)
    /// Missing, unreadable or blank.
    case unreadable(String)

    package var description: String {
        switch self {
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        case .readableByOthers(let path, _), .unreadable(let path): "\(path) \(problem)"
        }
    }

    /// What is wrong, without the path.
    package var problem: String {
        switch self {
        case .cannotWrite(_, let code): "cannot be written: \(String(cString: strerror(code)))"
        case .readableByOthers(_, let mode): "may be read by other users (mode \(String(mode, radix: 8))); make it 0400 or 0440"
        case .unreadable: "cannot be read"
        }
    }
}
