import CPKCS11

/// Why a PKCS#11 token could not be used, in one line: the call that failed and the `CKR_` name it returned, or what
/// is missing. Never contains the PIN or key material.
public struct PKCS11Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that is stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case moduleUnavailable
            case tokenNotFound
            case pinUnreadable
            case callFailed
            case unsupportedMechanism
            case keyNotFound
            case keyExists
            case malformed
        }

        let value: Value

        /// The module file cannot be loaded or has no usable `C_GetFunctionList`.
        public static let moduleUnavailable = Code(value: .moduleUnavailable)
        /// No token (or more than one) carries the label asked for.
        public static let tokenNotFound = Code(value: .tokenNotFound)
        /// The PIN file is missing, unreadable or empty.
        public static let pinUnreadable = Code(value: .pinUnreadable)
        /// A Cryptoki function returned an error (``PKCS11Error/returnValue`` names it).
        public static let callFailed = Code(value: .callFailed)
        /// The token does not offer the mechanism an algorithm needs (for example Ed25519).
        public static let unsupportedMechanism = Code(value: .unsupportedMechanism)
        /// No private key (or its public half) with the id asked for is on the token.
        public static let keyNotFound = Code(value: .keyNotFound)
        /// A key with the id asked for is on the token already.
        public static let keyExists = Code(value: .keyExists)
        /// The token answered something that is not what PKCS#11 prescribes (a public point of the wrong shape...).
        public static let malformed = Code(value: .malformed)

        public var description: String { value.rawValue }
    }

    /// The error's stable code.
    public let code: Code
    /// One line for people: which call or check failed, and why.
    public let message: String
    /// For ``Code/callFailed``: the `CKR_` name the call returned, e.g. `CKR_PIN_INCORRECT`.
    public let returnValue: String?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - message: One line naming what failed.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        self.returnValue = nil
    }

    /// The error for a Cryptoki call that returned `returnValue`.
    /// - Parameters:
    ///   - function: The function, e.g. `C_Login`.
    ///   - returnValue: What it returned.
    ///   - context: What was being done, for the message (e.g. `token "standing"`); empty for nothing.
    init(call function: String, returned returnValue: CK_RV, context: String = "") {
        let name = Self.name(of: returnValue)
        self.code = .callFailed
        self.message = "PKCS#11 \(function) failed: \(name)" + (context.isEmpty ? "" : " (\(context))")
        self.returnValue = name
    }

    public var description: String { message }

    /// The `CKR_` name of a return value, or its hexadecimal value when it is not one of the standard ones.
    /// - Parameter returnValue: A Cryptoki return value.
    /// - Returns: The name, e.g. `CKR_PIN_INCORRECT`, or `CKR_0x80000001` for a vendor value.
    public static func name(of returnValue: CK_RV) -> String {
        returnValueNames[returnValue] ?? "CKR_0x" + String(returnValue, radix: 16, uppercase: true)
    }

    private static let returnValueNames: [CK_RV: String] = [
        CK_RV(CKR_OK): "CKR_OK", CK_RV(CKR_CANCEL): "CKR_CANCEL", CK_RV(CKR_HOST_MEMORY): "CKR_HOST_MEMORY",
        CK_RV(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID", CK_RV(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR",
        CK_RV(CKR_FUNCTION_FAILED): "CKR_FUNCTION_FAILED", CK_RV(CKR_ARGUMENTS_BAD): "CKR_ARGUMENTS_BAD",
        CK_RV(CKR_NEED_TO_CREATE_THREADS): "CKR_NEED_TO_CREATE_THREADS", CK_RV(CKR_CANT_LOCK): "CKR_CANT_LOCK",
        CK_RV(CKR_ATTRIBUTE_READ_ONLY): "CKR_ATTRIBUTE_READ_ONLY", CK_RV(CKR_ATTRIBUTE_SENSITIVE): "CKR_ATTRIBUTE_SENSITIVE",
        CK_RV(CKR_ATTRIBUTE_TYPE_INVALID): "CKR_ATTRIBUTE_TYPE_INVALID",
        CK_RV(CKR_ATTRIBUTE_VALUE_INVALID): "CKR_ATTRIBUTE_VALUE_INVALID", CK_RV(CKR_DATA_INVALID): "CKR_DATA_INVALID",
        CK_RV(CKR_DATA_LEN_RANGE): "CKR_DATA_LEN_RANGE", CK_RV(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR",
        CK_RV(CKR_DEVICE_MEMORY): "CKR_DEVICE_MEMORY", CK_RV(CKR_DEVICE_REMOVED): "CKR_DEVICE_REMOVED",
        CK_RV(CKR_FUNCTION_CANCELED): "CKR_FUNCTION_CANCELED", CK_RV(CKR_FUNCTION_NOT_SUPPORTED): "CKR_FUNCTION_NOT_SUPPORTED",
        CK_RV(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID", CK_RV(CKR_KEY_SIZE_RANGE): "CKR_KEY_SIZE_RANGE",
        CK_RV(CKR_KEY_TYPE_INCONSISTENT): "CKR_KEY_TYPE_INCONSISTENT",
        CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED): "CKR_KEY_FUNCTION_NOT_PERMITTED",
        CK_RV(CKR_KEY_UNEXTRACTABLE): "CKR_KEY_UNEXTRACTABLE", CK_RV(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID",
        CK_RV(CKR_MECHANISM_PARAM_INVALID): "CKR_MECHANISM_PARAM_INVALID",
        CK_RV(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID", CK_RV(CKR_OPERATION_ACTIVE): "CKR_OPERATION_ACTIVE",
        CK_RV(CKR_OPERATION_NOT_INITIALIZED): "CKR_OPERATION_NOT_INITIALIZED", CK_RV(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT",
        CK_RV(CKR_PIN_INVALID): "CKR_PIN_INVALID", CK_RV(CKR_PIN_LEN_RANGE): "CKR_PIN_LEN_RANGE",
        CK_RV(CKR_PIN_EXPIRED): "CKR_PIN_EXPIRED", CK_RV(CKR_PIN_LOCKED): "CKR_PIN_LOCKED",
        CK_RV(CKR_SESSION_CLOSED): "CKR_SESSION_CLOSED", CK_RV(CKR_SESSION_COUNT): "CKR_SESSION_COUNT",
        CK_RV(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID",
        CK_RV(CKR_SESSION_READ_ONLY): "CKR_SESSION_READ_ONLY", CK_RV(CKR_SIGNATURE_LEN_RANGE): "CKR_SIGNATURE_LEN_RANGE",
        CK_RV(CKR_TEMPLATE_INCOMPLETE): "CKR_TEMPLATE_INCOMPLETE", CK_RV(CKR_TEMPLATE_INCONSISTENT): "CKR_TEMPLATE_INCONSISTENT",
        CK_RV(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT", CK_RV(CKR_TOKEN_NOT_RECOGNIZED): "CKR_TOKEN_NOT_RECOGNIZED",
        CK_RV(CKR_TOKEN_WRITE_PROTECTED): "CKR_TOKEN_WRITE_PROTECTED",
        CK_RV(CKR_USER_ALREADY_LOGGED_IN): "CKR_USER_ALREADY_LOGGED_IN", CK_RV(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN",
        CK_RV(CKR_USER_PIN_NOT_INITIALIZED): "CKR_USER_PIN_NOT_INITIALIZED",
        CK_RV(CKR_USER_TYPE_INVALID): "CKR_USER_TYPE_INVALID", CK_RV(CKR_BUFFER_TOO_SMALL): "CKR_BUFFER_TOO_SMALL",
        CK_RV(CKR_DOMAIN_PARAMS_INVALID): "CKR_DOMAIN_PARAMS_INVALID", CK_RV(CKR_CURVE_NOT_SUPPORTED): "CKR_CURVE_NOT_SUPPORTED",
        CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED",
        CK_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED): "CKR_CRYPTOKI_ALREADY_INITIALIZED",
    ]
}
