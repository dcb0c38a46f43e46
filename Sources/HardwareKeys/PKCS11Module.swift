import CPKCS11
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A PKCS#11 module (a token's shared library, e.g. SoftHSM2's `libsofthsm2.so`), opened at run time with `dlopen` and
/// used through the function list of its `C_GetFunctionList`; nothing is linked against it.
///
/// `C_Initialize` and `C_Finalize` act on the whole process, so each module file is loaded and initialised once per
/// process (``load(_:)`` returns the same object for the same path) and is never finalised or unloaded: finalising
/// while another part of the process still signs through it would break that part.
public final class PKCS11Module: Sendable {
    /// The module file as given to ``load(_:)``.
    public let path: String
    /// The module's function table. It is immutable after `C_GetFunctionList`, and the module was initialised with
    /// `CKF_OS_LOCKING_OK`, so calls from several threads are the module's to serialise (sessions are not: see
    /// ``PKCS11Token``).
    nonisolated(unsafe) let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// Held while a token object is created or changed. SoftHSM2 2.6 (Debian's) now and then fails `C_GenerateKeyPair`
    /// with `CKR_GENERAL_ERROR` when two sessions create objects at once (softhsm/SoftHSMv2#573, seen here in the test
    /// suite); key generation is rare, so one at a time per module costs nothing, while signing stays concurrent.
    private let objectChanges = Mutex<Void>(())

    private init(path: String, functions: UnsafeMutablePointer<CK_FUNCTION_LIST>) {
        self.path = path
        self.functions = functions
    }

    /// Runs `body`, which creates or changes token objects, while no other such call of this module runs.
    func changingObjects<Result: Sendable>(_ body: () throws -> Result) throws -> Result {
        try objectChanges.withLock { _ in try body() }
    }

    /// Loads and initialises the module at `path`, or returns the one this process loaded already.
    /// - Parameter path: The module file, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    /// - Returns: The initialised module.
    /// - Throws: ``PKCS11Error/Code/moduleUnavailable`` when the file does not load or has no `C_GetFunctionList`;
    ///   ``PKCS11Error/Code/callFailed`` when `C_GetFunctionList` or `C_Initialize` fails.
    public static func load(_ path: String) throws -> PKCS11Module {
        try loaded.withLock { modules in
            if let module = modules[path] { return module }
            let module = try open(path)
            modules[path] = module
            return module
        }
    }

    private static func open(_ path: String) throws -> PKCS11Module {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw PKCS11Error(.moduleUnavailable, "cannot load the PKCS#11 module \(path): \(reason)")
        }
        guard let symbol = dlsym(handle, "C_GetFunctionList") else {
            dlclose(handle)
            throw PKCS11Error(.moduleUnavailable, "\(path) is not a PKCS#11 module: it has no C_GetFunctionList")
        }
        let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        let returned = getFunctionList(&list)
        guard returned == CKR_OK, let list else {
            dlclose(handle)
            throw PKCS11Error(call: "C_GetFunctionList", returned: returned, context: path)
        }
        guard let initialize = list.pointee.C_Initialize else {
            dlclose(handle)
            throw PKCS11Error(.moduleUnavailable, "\(path) has no C_Initialize")
        }
        // The module may use the operating system's locks: the token is reached from Swift's thread pool.
        var arguments = CK_C_INITIALIZE_ARGS()
        arguments.flags = STANDING_CKF_OS_LOCKING_OK
        let initialised = withUnsafeMutablePointer(to: &arguments) { initialize(UnsafeMutableRawPointer($0)) }
        // Another library in this process may have initialised the module first; it is usable all the same.
        guard initialised == CKR_OK || initialised == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
            dlclose(handle)
            throw PKCS11Error(call: "C_Initialize", returned: initialised, context: path)
        }
        return PKCS11Module(path: path, functions: list)
    }

    /// The function `name` of the module's table.
    /// - Throws: ``PKCS11Error/Code/moduleUnavailable`` when the module leaves it out.
    func function<Function>(_ keyPath: KeyPath<CK_FUNCTION_LIST, Function?>, _ name: String) throws -> Function {
        guard let function = functions.pointee[keyPath: keyPath] else {
            throw PKCS11Error(.moduleUnavailable, "the PKCS#11 module \(path) does not provide \(name)")
        }
        return function
    }

    /// Throws the one-line error for a call unless it returned `CKR_OK`.
    static func check(_ returned: CK_RV, _ function: String, _ context: String = "") throws {
        guard returned == CKR_OK else { throw PKCS11Error(call: function, returned: returned, context: context) }
    }
}
