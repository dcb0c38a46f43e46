import Crypto
import Foundation
import Signing
import Store
import TrustRegistry

#if canImport(Glibc)
import Glibc
#endif

/// The signed artefacts a checkpoint carries, so that a start from it need not re-sign a head it already signed.
struct CarriedArtefacts: Sendable, Equatable {
    var signedSeq: Int
    var snapshot: String?
    /// The signed LoTE, by the length and SHA-256 of its file (``RegistryService/loteFilePath(in:sequenceNumber:)``):
    /// the checkpoint does not hold its bytes.
    var lote: CarriedFile?
    var loteSequenceNumber: Int
    var loteNextUpdate: Date?
    /// The state `seq` the LoTE reflects (the publication counter's, for ``LoTEPublicationCounter``).
    var loteStateSeq: Int
    var entityConfiguration: String?
    var builtAt: Date
    /// What the artefacts depend on besides the state (base URL, validity, signer and LoTE certificate): artefacts
    /// signed under another setting are not served.
    var context: String
}

/// A file a checkpoint names instead of carrying its bytes.
struct CarriedFile: Sendable, Equatable {
    var byteCount: Int
    var sha256: String
}

/// A signed checkpoint of the registry state in the data directory (`registry-checkpoint`), so a start replays
/// only the events after it instead of the whole log.
///
/// ## Layout
/// `STANDING-REGISTRY-CHECKPOINT/2\n`, the body (the state in ``RegistryState/writeCheckpoint(to:)``'s binary form,
/// then the ``CarriedArtefacts``), then a trailer: a JSON header naming the state's `seq` and head hash and the
/// body's length and SHA-256, the registry key's ES256 signature over that header, the two lengths (32-bit little
/// endian) and `CKPTEND\n`. It is written to a temporary file, fsynced, and renamed over the previous one.
///
/// ## Trust
/// A checkpoint is used only when its signature verifies with the key the registry signs with, the body has the
/// hash the header names, it decodes to a state at the header's `seq` and head, and the store's event at that `seq`
/// has that hash (the chain hash commits to every earlier event). The events after it are then replayed with full
/// verification, continuing the hash chain from the checkpoint's head. Anything else throws, and the registry
/// replays the whole log instead.
struct RegistryCheckpoint {
    /// Version 2 names the LoTE's file instead of carrying the LoTE; a version 1 checkpoint is refused (the log is
    /// replayed once, and the next checkpoint is version 2).
    static let magic = Array("STANDING-REGISTRY-CHECKPOINT/2\n".utf8)
    static let end = Array("CKPTEND\n".utf8)

    struct Header: Codable, Equatable {
        var seq: Int
        var headHash: String
        var bodyBytes: Int
        var bodySHA256: String
        var keyID: String
        var writtenAt: String
    }

    /// The path of the checkpoint file.
    let path: String

    /// Writes `state` and `artefacts` atomically, signed with `key` (blocking; run it on a worker thread).
    /// - Returns: The number of bytes written.
    @discardableResult
    func write(state: RegistryState, artefacts: CarriedArtefacts, key: SigningKey, keyID: String) throws -> Int {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".tmp-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CheckpointFileError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var keep = false
        defer {
            if !keep { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            try Self.writeAll(Self.magic, to: descriptor)
            var hasher = SHA256()
            var bodyBytes = 0
            var writer = CheckpointWriter { bytes in
                hasher.update(bufferPointer: bytes)
                bodyBytes += bytes.count
                try Self.writeAll(bytes, to: descriptor)
            }
            try state.writeCheckpoint(to: &writer)
            try Self.write(artefacts, to: &writer)
            try writer.flush()
            let header = Header(
                seq: state.seq, headHash: state.headHash, bodyBytes: bodyBytes, bodySHA256: hasher.finalize().lowercaseHex, keyID: keyID,
                writtenAt: RegistryTime.format(Date()))
            let headerBytes = Array(try JSONEncoder().encode(header))
            let signature = Array(try key.sign(headerBytes))
            var lengths: [UInt8] = []
            for length in [headerBytes.count, signature.count] {
                withUnsafeBytes(of: UInt32(length).littleEndian) { lengths.append(contentsOf: $0) }
            }
            try Self.writeAll(headerBytes + signature + lengths + Self.end, to: descriptor)
            guard fsync(descriptor) == 0 else { throw CheckpointFileError("cannot fsync \(temporary): \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, path) == 0 else { throw CheckpointFileError("cannot rename to \(path): \(String(cString: strerror(errno)))") }
        keep = true
        DurableWrites.syncDirectory(directory)
        return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Reads and verifies the checkpoint (see Trust above, except the store check, which is the caller's).
    /// - Returns: The state, its carried artefacts and the header; nil when there is no checkpoint file.
    /// - Throws: ``CheckpointFileError`` naming why the checkpoint cannot be trusted.
    func read(verifyingWith key: VerificationKey, keyID: String, policy: RegistryPolicy = RegistryPolicy()) throws -> (
        state: RegistryState, artefacts: CarriedArtefacts, header: Header
    )? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw CheckpointFileError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let end = lseek(descriptor, 0, SEEK_END)
        guard end >= 0 else { throw CheckpointFileError("cannot read the size of \(path)") }
        let size = Int(end)
        let minimum = Self.magic.count + 8 + Self.end.count
        guard size >= minimum else { throw CheckpointFileError("\(path) is truncated (\(size) bytes)") }
        // Mapped, not read: the pages are the page cache's, and go when the mapping does.
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw CheckpointFileError("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        defer { munmap(base, size) }
        _ = madvise(base, size, MADV_SEQUENTIAL)
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        guard bytes.prefix(Self.magic.count).elementsEqual(Self.magic), bytes.suffix(Self.end.count).elementsEqual(Self.end) else {
            throw CheckpointFileError("\(path) is not a registry checkpoint of this version")
        }
        let lengthsAt = size - Self.end.count - 8
        func length(at offset: Int) -> Int {
            var value: UInt32 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4])) }
            return Int(UInt32(littleEndian: value))
        }
        let headerLength = length(at: lengthsAt)
        let signatureLength = length(at: lengthsAt + 4)
        let bodyEnd = lengthsAt - headerLength - signatureLength
        guard headerLength > 0, signatureLength > 0, bodyEnd >= Self.magic.count else {
            throw CheckpointFileError("\(path) has a malformed trailer")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[bodyEnd..<bodyEnd + headerLength])
        let signature = UnsafeRawBufferPointer(rebasing: bytes[bodyEnd + headerLength..<lengthsAt])
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw CheckpointFileError("\(path) has an unreadable header")
        }
        guard header.keyID == keyID else {
            throw CheckpointFileError("\(path) is signed by key \(header.keyID), not the registry's key \(keyID)")
        }
        guard key.isValidSignature(Data(signature), for: Data(headerBytes)) else {
            throw CheckpointFileError("\(path) has a bad signature")
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[Self.magic.count..<bodyEnd])
        guard body.count == header.bodyBytes, SHA256.hash(data: body).lowercaseHex == header.bodySHA256 else {
            throw CheckpointFileError("\(path) does not have the content its signed header names (edited or truncated)")
        }
        do {
            var reader = CheckpointReader(bytes: body)
            let state = try RegistryState(checkpoint: &reader, policy: policy)
            let artefacts = try Self.readArtefacts(&reader)
            guard reader.isAtEnd, state.seq == header.seq, state.headHash == header.headHash else {
                throw CheckpointFormatError("the state is not the one the header names")
            }
            return (state, artefacts, header)
        } catch {
            throw CheckpointFileError("\(path) does not decode: \(error)")
        }
    }

    // MARK: - Parts

    private static func write(_ artefacts: CarriedArtefacts, to writer: inout CheckpointWriter) throws {
        try writer.int(artefacts.signedSeq)
        try writer.optionalString(artefacts.snapshot)
        try writer.bool(artefacts.lote != nil)
        if let lote = artefacts.lote {
            try writer.int(lote.byteCount)
            try writer.string(lote.sha256)
        }
        try writer.int(artefacts.loteSequenceNumber)
        try writer.optionalDate(artefacts.loteNextUpdate)
        try writer.int(artefacts.loteStateSeq)
        try writer.optionalString(artefacts.entityConfiguration)
        try writer.date(artefacts.builtAt)
        try writer.string(artefacts.context)
    }

    private static func readArtefacts(_ reader: inout CheckpointReader) throws(CheckpointFormatError) -> CarriedArtefacts {
        let signedSeq = try reader.int()
        let snapshot = try reader.optionalString()
        let lote = try reader.bool() ? CarriedFile(byteCount: try reader.int(), sha256: try reader.string()) : nil
        let loteSequenceNumber = try reader.int()
        let loteNextUpdate = try reader.optionalDate()
        let loteStateSeq = try reader.int()
        let entityConfiguration = try reader.optionalString()
        let builtAt = try reader.date()
        return CarriedArtefacts(
            signedSeq: signedSeq, snapshot: snapshot, lote: lote, loteSequenceNumber: loteSequenceNumber, loteNextUpdate: loteNextUpdate,
            loteStateSeq: loteStateSeq, entityConfiguration: entityConfiguration, builtAt: builtAt, context: try reader.string())
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        try bytes.withUnsafeBytes { try writeAll($0, to: descriptor) }
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws {
        if let failure = DurableWrites.writeAll(bytes, to: descriptor) {
            throw CheckpointFileError("cannot write the registry checkpoint: \(DurableWrites.message(failure))")
        }
    }
}

extension SHA256.Digest {
    /// The digest as lowercase hex, as checkpoints name contents.
    var lowercaseHex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Why a checkpoint was not written or not trusted.
struct CheckpointFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
