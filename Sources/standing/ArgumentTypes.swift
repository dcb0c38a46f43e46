import ArgumentParser
import Signing
import StandingAPI
import TrustRegistry

// Typed options: argument-parser lists the valid values in `--help` and names them in the error for a mistyped one.

extension ListPurpose: ExpressibleByArgument {}

extension PrincipalRole: ExpressibleByArgument {}

/// The algorithms the CLI generates keys for.
enum KeyAlgorithm: String, CaseIterable, ExpressibleByArgument {
    case ES256
    case EdDSA

    var signatureAlgorithm: SignatureAlgorithm {
        switch self {
        case .ES256: .es256
        case .EdDSA: .edDSA
        }
    }
}

/// What an accreditation makes its subject: an issuer or a sub-body.
enum AccreditedRole: String, CaseIterable, ExpressibleByArgument {
    /// Trusted issuer (EBSI TI).
    case TI
    /// Trusted accreditation organisation, a sub-body (EBSI TAO).
    case TAO

    var accreditationRole: AccreditationRole {
        switch self {
        case .TI: .ti
        case .TAO: .tao
        }
    }
}
