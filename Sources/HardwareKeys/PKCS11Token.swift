import CPKCS11
import Foundation
import Signing
import Synchronization

/// A token (an HSM partition, a smart card, a SoftHSM2 token) found by its label, with one logged-in read-write
/// session that generates, finds and uses signing keys.
///
/// A PKCS#11 session is not safe to use from two threads at once, and a signature is two calls (`C_SignInit`,
/// `C_Sign`) that must not interleave with another operation: every use of the session takes its lock, so one token
/// object serialises its callers. The session closes when the object is freed.
public final class PKCS11Token: Sendable {
    /// The module the token is reached through.
    public let module: PKCS11Module
    /// The token's label (`CKA_LABEL` of its token info, without the padding).
    public let label: String
    /// The slot the token is in.
    let slot: CK_SLOT_ID
    /// The mechanisms the token lists (`C_GetMechanismList`).
    let mechanisms: Set<CK_MECHANISM_TYPE>
    /// The open session; the lock serialises its use.
    private let session: Mutex<CK_SESSION_HANDLE>

    /// Loads the module (once per process), finds the token labelled `tokenLabel`, opens a session and logs in with
    /// the PIN in `pinFile`.
    /// - Parameters:
    ///   - modulePath: The PKCS#11 module file, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    ///   - tokenLabel: The token's label.
    ///   - pinFile: A file holding the user PIN; one trailing newline is ignored. The PIN is never logged.
    /// - Throws: ``PKCS11Error`` naming the module, token, PIN file or the call that failed.
    public convenience init(modulePath: String, tokenLabel: String, pinFile: String) throws {
        let pin = try Self.readPIN(from: pinFile)
        try self.init(module: try PKCS11Module.load(modulePath), tokenLabel: tokenLabel, pin: pin)
    }

    /// Finds the token labelled `tokenLabel` in `module`, opens a read-write session and logs in as the user.
    /// - Parameters:
    ///   - module: The loaded module.
    ///   - tokenLabel: The token's label.
    ///   - pin: The user PIN.
    /// - Throws: ``PKCS11Error/Code/tokenNotFound`` naming the labels present; ``PKCS11Error/Code/callFailed`` for a
    ///   failing call (a wrong PIN is `C_Login failed: CKR_PIN_INCORRECT`).
    public init(module: PKCS11Module, tokenLabel: String, pin: String) throws {
        self.module = module
        self.label = tokenLabel
        self.slot = try Self.slot(labelled: tokenLabel, in: module)
        self.mechanisms = try Self.mechanisms(of: slot, in: module)
        let context = "token \"\(tokenLabel)\""

        let openSession = try module.function(\.C_OpenSession, "C_OpenSession")
        var handle: CK_SESSION_HANDLE = 0
        try PKCS11Module.check(
            openSession(slot, STANDING_CKF_SERIAL_SESSION | STANDING_CKF_RW_SESSION, nil, nil, &handle), "C_OpenSession", context)
        let login = try module.function(\.C_Login, "C_Login")
        var pinBytes = Array(pin.utf8)
        let loggedIn = pinBytes.withUnsafeMutableBufferPointer {
            login(handle, CK_USER_TYPE(CKU_USER), $0.baseAddress, CK_ULONG($0.count))
        }
        for index in pinBytes.indices { pinBytes[index] = 0 }
        // Login state belongs to the application, not the session: a second token object in this process finds the
        // user logged in already.
        guard loggedIn == CKR_OK || loggedIn == CKR_USER_ALREADY_LOGGED_IN else {
            if let closeSession = module.functions.pointee.C_CloseSession { _ = closeSession(handle) }
            throw PKCS11Error(call: "C_Login", returned: loggedIn, context: context)
        }
        self.session = Mutex(handle)
    }

    deinit {
        let handle = session.withLock { $0 }
        if let closeSession = module.functions.pointee.C_CloseSession { _ = closeSession(handle) }
    }

    /// Reads a PIN file: its bytes as UTF-8 without one trailing newline (`\n` or `\r\n`).
    /// - Parameter file: The file.
    /// - Returns: The PIN.
    /// - Throws: ``PKCS11Error/Code/pinUnreadable`` naming the file (never its content) when it is missing,
    ///   unreadable, larger than 1 KiB, not UTF-8 or empty.
    public static func readPIN(from file: String) throws -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue
        guard let size, size <= 1024, var bytes = FileManager.default.contents(atPath: file).map(Array.init) else {
            throw PKCS11Error(.pinUnreadable, "cannot read the PKCS#11 PIN file \(file) (missing, unreadable or over 1 KiB)")
        }
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        guard !bytes.isEmpty, let pin = String(validating: bytes, as: UTF8.self) else {
            throw PKCS11Error(.pinUnreadable, "the PKCS#11 PIN file \(file) is empty or not UTF-8 text")
        }
        return pin
    }

    /// Whether the token lists the mechanisms `algorithm` needs to generate a key and sign.
    /// - Parameter algorithm: The algorithm.
    /// - Returns: `true` when both mechanisms are listed.
    public func supports(_ algorithm: SignatureAlgorithm) -> Bool {
        let curve = KeyCurve(algorithm)
        return mechanisms.contains(curve.generationMechanism) && mechanisms.contains(curve.signatureMechanism)
    }

    /// The mechanism names of interest that the token lists, for messages and reports (e.g. `CKM_ECDSA`).
    public var signatureMechanismNames: [String] {
        KeyCurve.mechanismNames.filter { mechanisms.contains($0.key) }.map(\.value).sorted()
    }

    // MARK: Keys

    /// Generates a key pair on the token: the private key stays on it (`CKA_TOKEN`, `CKA_PRIVATE`, `CKA_SENSITIVE`
    /// true, `CKA_EXTRACTABLE` false, `CKA_SIGN`), with `CKA_ID` and `CKA_LABEL` set to the key id.
    /// - Parameters:
    ///   - algorithm: ES256 (P-256), ES384 (P-384) or EdDSA (Ed25519, when the token lists it).
    ///   - keyID: The key id; `nil` for the RFC 7638 thumbprint of the new public key.
    /// - Returns: The new key.
    /// - Throws: ``PKCS11Error/Code/unsupportedMechanism`` when the token lacks the algorithm's mechanisms,
    ///   ``PKCS11Error/Code/keyExists`` when `keyID` is taken, ``PKCS11Error/Code/callFailed`` for a failing call.
    public func generateKey(_ algorithm: SignatureAlgorithm, keyID: String? = nil) throws -> PKCS11SigningKey {
        let curve = KeyCurve(algorithm)
        guard supports(algorithm) else {
            throw PKCS11Error(
                .unsupportedMechanism,
                "token \"\(label)\" does not support \(curve.name): it lists no \(KeyCurve.mechanismNames[curve.generationMechanism] ?? "") "
                    + "and \(KeyCurve.mechanismNames[curve.signatureMechanism] ?? "")")
        }
        return try module.changingObjects { try generateKey(algorithm, curve, keyID: keyID) }
    }

    /// ``generateKey(_:keyID:)`` once the token is known to support the curve.
    private func generateKey(_ algorithm: SignatureAlgorithm, _ curve: KeyCurve, keyID: String?) throws -> PKCS11SigningKey {
        let generateKeyPair = try module.function(\.C_GenerateKeyPair, "C_GenerateKeyPair")
        return try withSession { session in
            if let keyID, try !objects(session, class: CKO_PRIVATE_KEY, id: keyID).isEmpty {
                throw PKCS11Error(.keyExists, "token \"\(label)\" holds a key with id \(keyID) already")
            }
            // Without a chosen id the key is first stored under a provisional one, renamed below to its thumbprint.
            let provisionalID = keyID ?? "provisional-" + UUID().uuidString
            let id = Array(provisionalID.utf8)
            let publicTemplate: [Attribute] = [
                .init(CKA_CLASS, ulong: CKO_PUBLIC_KEY), .init(CKA_TOKEN, bool: true), .init(CKA_PRIVATE, bool: false),
                .init(CKA_VERIFY, bool: true), .init(CKA_EC_PARAMS, bytes: curve.parameters),
                .init(CKA_ID, bytes: id), .init(CKA_LABEL, bytes: id),
            ]
            let privateTemplate: [Attribute] = [
                .init(CKA_CLASS, ulong: CKO_PRIVATE_KEY), .init(CKA_TOKEN, bool: true), .init(CKA_PRIVATE, bool: true),
                .init(CKA_SENSITIVE, bool: true), .init(CKA_EXTRACTABLE, bool: false), .init(CKA_SIGN, bool: true),
                .init(CKA_ID, bytes: id), .init(CKA_LABEL, bytes: id),
            ]
            var mechanism = CK_MECHANISM(mechanism: curve.generationMechanism, pParameter: nil, ulParameterLen: 0)
            var publicHandle: CK_OBJECT_HANDLE = 0
            var privateHandle: CK_OBJECT_HANDLE = 0
            let returned = try Attribute.withTemplate(publicTemplate) { publicAttributes, publicCount in
                try Attribute.withTemplate(privateTemplate) { privateAttributes, privateCount in
                    generateKeyPair(
                        session, &mechanism, publicAttributes, publicCount, privateAttributes, privateCount, &publicHandle,
                        &privateHandle)
                }
            }
            try PKCS11Module.check(returned, "C_GenerateKeyPair", "\(curve.name) on token \"\(label)\"")
            do {
                let verificationKey = try publicKey(session, publicHandle, curve)
                let finalID = keyID ?? verificationKey.thumbprint
                if keyID == nil {
                    let bytes = Array(finalID.utf8)
                    for handle in [publicHandle, privateHandle] {
                        try setAttributes(session, handle, [.init(CKA_ID, bytes: bytes), .init(CKA_LABEL, bytes: bytes)])
                    }
                }
                return PKCS11SigningKey(
                    token: self, keyID: finalID, algorithm: algorithm, verificationKey: verificationKey, handle: privateHandle)
            } catch {
                // A key pair nobody can name is of no use: take it off the token again.
                if let destroy = module.functions.pointee.C_DestroyObject {
                    _ = destroy(session, privateHandle)
                    _ = destroy(session, publicHandle)
                }
                throw error
            }
        }
    }

    /// The signing key whose `CKA_ID` is `keyID`, with its public key read from its public half (`CKA_EC_POINT`).
    /// - Parameter keyID: The key id.
    /// - Returns: The key.
    /// - Throws: ``PKCS11Error/Code/keyNotFound`` when the private or public key is missing;
    ///   ``PKCS11Error/Code/malformed`` for a key of another type or curve, or several keys with the id.
    public func key(withID keyID: String) throws -> PKCS11SigningKey {
        try withSession { session in
            let privateKeys = try objects(session, class: CKO_PRIVATE_KEY, id: keyID)
            let publicKeys = try objects(session, class: CKO_PUBLIC_KEY, id: keyID)
            guard let privateHandle = privateKeys.first, let publicHandle = publicKeys.first else {
                throw PKCS11Error(
                    .keyNotFound,
                    "token \"\(label)\" has no \(privateKeys.isEmpty ? "private" : "public") key with id \(keyID)")
            }
            guard privateKeys.count == 1, publicKeys.count == 1 else {
                throw PKCS11Error(.malformed, "token \"\(label)\" holds several keys with id \(keyID)")
            }
            let keyType = try ulongAttribute(session, privateHandle, CKA_KEY_TYPE)
            let parameters = try attribute(session, publicHandle, CKA_EC_PARAMS)
            guard let curve = KeyCurve.all.first(where: { $0.keyType == keyType && $0.parameters == parameters }) else {
                throw PKCS11Error(.malformed, "key \(keyID) on token \"\(label)\" is not a P-256, P-384 or Ed25519 key")
            }
            return PKCS11SigningKey(
                token: self, keyID: keyID, algorithm: curve.algorithm,
                verificationKey: try publicKey(session, publicHandle, curve), handle: privateHandle)
        }
    }

    /// Signs `message` with the private key `handle`: ECDSA over the SHA-256/384 digest computed here (`CKM_ECDSA`,
    /// answering `r || s`), or Ed25519 over the message itself (`CKM_EDDSA`).
    func sign(_ message: Data, with handle: CK_OBJECT_HANDLE, algorithm: SignatureAlgorithm) throws -> Data {
        let curve = KeyCurve(algorithm)
        var input = curve.signatureInput(message)
        let signInit = try module.function(\.C_SignInit, "C_SignInit")
        let sign = try module.function(\.C_Sign, "C_Sign")
        return try withSession { session in
            var mechanism = CK_MECHANISM(mechanism: curve.signatureMechanism, pParameter: nil, ulParameterLen: 0)
            try PKCS11Module.check(signInit(session, &mechanism, handle), "C_SignInit", "token \"\(label)\"")
            var signature = [UInt8](repeating: 0, count: 2 * algorithm.signatureLength)
            var length = CK_ULONG(signature.count)
            try PKCS11Module.check(
                sign(session, &input, CK_ULONG(input.count), &signature, &length), "C_Sign", "token \"\(label)\"")
            return Data(signature.prefix(Int(length)))
        }
    }

    /// The raw value of one attribute of an object (exposed inside the module for the non-extractability test).
    func attribute(of handle: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws -> [UInt8] {
        try withSession { session in try attribute(session, handle, type) }
    }

    // MARK: Session helpers (called with the session lock held)

    private func withSession<Result: Sendable>(_ body: (CK_SESSION_HANDLE) throws -> Result) throws -> Result {
        try session.withLock { handle in try body(handle) }
    }

    private func objects(_ session: CK_SESSION_HANDLE, class objectClass: CK_OBJECT_CLASS, id: String) throws -> [CK_OBJECT_HANDLE] {
        let findInit = try module.function(\.C_FindObjectsInit, "C_FindObjectsInit")
        let find = try module.function(\.C_FindObjects, "C_FindObjects")
        let findFinal = try module.function(\.C_FindObjectsFinal, "C_FindObjectsFinal")
        let template: [Attribute] = [.init(CKA_CLASS, ulong: objectClass), .init(CKA_ID, bytes: Array(id.utf8))]
        try PKCS11Module.check(Attribute.withTemplate(template) { findInit(session, $0, $1) }, "C_FindObjectsInit")
        defer { _ = findFinal(session) }
        var found = [CK_OBJECT_HANDLE](repeating: 0, count: 4)
        var count: CK_ULONG = 0
        try PKCS11Module.check(find(session, &found, CK_ULONG(found.count), &count), "C_FindObjects")
        return Array(found.prefix(Int(count)))
    }

    private func attribute(_ session: CK_SESSION_HANDLE, _ handle: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws -> [UInt8] {
        let getAttribute = try module.function(\.C_GetAttributeValue, "C_GetAttributeValue")
        var attribute = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        let context = "attribute 0x\(String(type, radix: 16)) on token \"\(label)\""
        try PKCS11Module.check(getAttribute(session, handle, &attribute, 1), "C_GetAttributeValue", context)
        guard attribute.ulValueLen != STANDING_CK_UNAVAILABLE_INFORMATION, attribute.ulValueLen <= 4096 else {
            throw PKCS11Error(.malformed, "token \"\(label)\" gives no usable length for \(context)")
        }
        var value = [UInt8](repeating: 0, count: Int(attribute.ulValueLen))
        let returned = value.withUnsafeMutableBytes { buffer in
            attribute.pValue = buffer.baseAddress
            return getAttribute(session, handle, &attribute, 1)
        }
        try PKCS11Module.check(returned, "C_GetAttributeValue", context)
        return Array(value.prefix(Int(attribute.ulValueLen)))
    }

    private func ulongAttribute(_ session: CK_SESSION_HANDLE, _ handle: CK_OBJECT_HANDLE, _ type: CK_ATTRIBUTE_TYPE) throws -> CK_ULONG {
        let bytes = try attribute(session, handle, type)
        guard bytes.count == MemoryLayout<CK_ULONG>.size else {
            throw PKCS11Error(.malformed, "token \"\(label)\" answered \(bytes.count) bytes for a CK_ULONG attribute")
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
    }

    private func setAttributes(_ session: CK_SESSION_HANDLE, _ handle: CK_OBJECT_HANDLE, _ template: [Attribute]) throws {
        let setAttribute = try module.function(\.C_SetAttributeValue, "C_SetAttributeValue")
        try PKCS11Module.check(
            Attribute.withTemplate(template) { setAttribute(session, handle, $0, $1) }, "C_SetAttributeValue", "token \"\(label)\"")
    }

    /// The public key of a public-key object: `CKA_EC_POINT`, which PKCS#11 defines as the DER encoding of an OCTET
    /// STRING around the point (the X9.63 uncompressed point for Weierstrass curves, the 32 bytes for Ed25519).
    /// Some tokens give the bare point; both are accepted, told apart by length.
    private func publicKey(_ session: CK_SESSION_HANDLE, _ handle: CK_OBJECT_HANDLE, _ curve: KeyCurve) throws -> VerificationKey {
        let value = try attribute(session, handle, CKA_EC_POINT)
        let pointLength = curve.pointLength
        let point: [UInt8]
        if value.count == pointLength + 2, value[0] == 0x04, Int(value[1]) == pointLength {
            point = Array(value.dropFirst(2))
        } else if value.count == pointLength {
            point = value
        } else {
            throw PKCS11Error(.malformed, "token \"\(label)\" answered a \(value.count)-byte CKA_EC_POINT for \(curve.name)")
        }
        do {
            return try VerificationKey(algorithm: curve.algorithm, rawRepresentation: point)
        } catch {
            throw PKCS11Error(.malformed, "token \"\(label)\" answered a CKA_EC_POINT that is not a \(curve.name) key: \(error.reason)")
        }
    }

    // MARK: Slots and mechanisms

    private static func slot(labelled tokenLabel: String, in module: PKCS11Module) throws -> CK_SLOT_ID {
        let getSlotList = try module.function(\.C_GetSlotList, "C_GetSlotList")
        let getTokenInfo = try module.function(\.C_GetTokenInfo, "C_GetTokenInfo")
        var count: CK_ULONG = 0
        try PKCS11Module.check(getSlotList(CK_BBOOL(1), nil, &count), "C_GetSlotList")
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try PKCS11Module.check(getSlotList(CK_BBOOL(1), &slots, &count), "C_GetSlotList")
        var labels: [String] = []
        var matches: [CK_SLOT_ID] = []
        for slot in slots.prefix(Int(count)) {
            var information = CK_TOKEN_INFO()
            try PKCS11Module.check(getTokenInfo(slot, &information), "C_GetTokenInfo")
            guard information.flags & STANDING_CKF_TOKEN_INITIALIZED != 0 else { continue }
            // The label is 32 bytes of UTF-8 padded with spaces.
            let label = withUnsafeBytes(of: information.label) { String(decoding: $0, as: UTF8.self) }
                .replacingOccurrences(of: "\0", with: " ")
                .trimmingCharacters(in: .whitespaces)
            labels.append(label)
            if label == tokenLabel { matches.append(slot) }
        }
        guard matches.count == 1, let slot = matches.first else {
            let present = labels.isEmpty ? "no initialised token" : "tokens: " + labels.map { "\"\($0)\"" }.joined(separator: ", ")
            throw PKCS11Error(
                .tokenNotFound,
                matches.isEmpty
                    ? "no token labelled \"\(tokenLabel)\" in the PKCS#11 module \(module.path) (\(present))"
                    : "\(matches.count) tokens are labelled \"\(tokenLabel)\" in \(module.path); give each a distinct label")
        }
        return slot
    }

    private static func mechanisms(of slot: CK_SLOT_ID, in module: PKCS11Module) throws -> Set<CK_MECHANISM_TYPE> {
        let getMechanismList = try module.function(\.C_GetMechanismList, "C_GetMechanismList")
        var count: CK_ULONG = 0
        try PKCS11Module.check(getMechanismList(slot, nil, &count), "C_GetMechanismList")
        var list = [CK_MECHANISM_TYPE](repeating: 0, count: Int(count))
        try PKCS11Module.check(getMechanismList(slot, &list, &count), "C_GetMechanismList")
        return Set(list.prefix(Int(count)))
    }
}

/// One attribute of a template, its value as bytes.
struct Attribute {
    let type: CK_ATTRIBUTE_TYPE
    let value: [UInt8]

    init(_ type: CK_ATTRIBUTE_TYPE, bytes: [UInt8]) {
        self.type = type
        self.value = bytes
    }

    init(_ type: CK_ATTRIBUTE_TYPE, bool: Bool) {
        self.init(type, bytes: [bool ? 1 : 0])
    }

    init(_ type: CK_ATTRIBUTE_TYPE, ulong: CK_ULONG) {
        self.init(type, bytes: withUnsafeBytes(of: ulong) { Array($0) })
    }

    /// Calls `body` with a C template whose values stay valid for the call.
    static func withTemplate<Result>(
        _ template: [Attribute], _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>?, CK_ULONG) throws -> Result
    ) rethrows -> Result {
        let buffers = template.map { attribute in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(attribute.value.count, 1), alignment: 16)
            buffer.copyBytes(from: attribute.value)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var attributes = zip(template, buffers).map { attribute, buffer in
            CK_ATTRIBUTE(type: attribute.type, pValue: buffer.baseAddress, ulValueLen: CK_ULONG(attribute.value.count))
        }
        return try attributes.withUnsafeMutableBufferPointer { try body($0.baseAddress, CK_ULONG($0.count)) }
    }
}
