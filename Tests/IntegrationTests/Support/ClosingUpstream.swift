import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An upstream on 127.0.0.1 that reads the first bytes of each request and then closes the
/// connection without answering, as an app that crashes mid-request would. Serves a bounded
/// number of connections on a thread of its own.
final class ClosingUpstream: Sendable {
    let port: Int
    private let listener: Int32

    init(readingBytes: Int, connections: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw RawHTTPConnection.Failure()
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: readingBytes)
            for _ in 0..<connections {
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return }
                var received = 0
                while received < readingBytes {
                    let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, readingBytes - received, 0) }
                    guard count > 0 else { break }
                    received += count
                }
                Glibc.close(client)
            }
        }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting (the serving thread's `accept` fails and it ends).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }
}
