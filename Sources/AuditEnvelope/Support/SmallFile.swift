import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small file read whole: a key, a certificate, a password in a mounted Secret. Symbolic links
/// are followed (Kubernetes mounts Secrets through them); anything but a regular file is refused,
/// so that a FIFO or a device cannot block the start; at most `maximumBytes` are read.
public enum SmallFile {
    /// Why a file was not read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// It could not be opened or read (the system's reason).
            case unreadable(String)
            /// It is a directory, FIFO, socket or device.
            case notRegular
            /// It holds more than the bound.
            case tooLarge(maximumBytes: Int)
        }

        public var path: String
        public var kind: Kind

        public var description: String {
            switch kind {
            case .unreadable(let reason): "cannot read \(path): \(reason)"
            case .notRegular: "\(path) is not a regular file"
            case .tooLarge(let maximumBytes): "\(path) is larger than \(maximumBytes / 1024) KiB"
            }
        }
    }

    /// The bytes of the regular file at `path`, when it holds at most `maximumBytes`.
    public static func read(_ path: String, maximumBytes: Int) throws(Failure) -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Failure(path: path, kind: .unreadable(String(cString: strerror(errno)))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Failure(path: path, kind: .notRegular) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(path: path, kind: .unreadable("cannot open")) }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw Failure(path: path, kind: .unreadable("\(error)"))
        }
        guard data.count <= maximumBytes else { throw Failure(path: path, kind: .tooLarge(maximumBytes: maximumBytes)) }
        return data
    }
}
