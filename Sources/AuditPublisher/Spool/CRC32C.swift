import CCRC32C

/// CRC-32C (Castagnoli), the checksum of spool records.
enum CRC32C {
    static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        auditshipper_crc32c(seed, bytes.baseAddress, bytes.count)
    }
}
