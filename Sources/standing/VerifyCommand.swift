import ArgumentParser
import Client
import Foundation

extension Standing {
    /// `standing verify CREDENTIAL`: checks a credential's status entries against their verified lists.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a credential: its proof, every credentialStatus entry or IETF status claim, and optionally its issuer's accreditation.",
            discussion: """
                CREDENTIAL is a W3C VC (JSON, or a vc+jwt), an SD-JWT VC, or a JWT with an IETF status claim; '-' reads \
                standard input. The credential's own proof is verified first: Data Integrity eddsa-jcs-2022 and \
                ecdsa-jcs-2019, vc+jwt (and VCDM 1.1 VC-JWT), and IETF JWTs (ES256, ES384, EdDSA). A did:key issuer's \
                own key always counts (the DID is the key); other keys come from --trust when given, else from the \
                issuer's did:web (fetched). The proof's verificationMethod or kid must be a key of the issuer. Other \
                mechanisms (SD-JWT VC, other cryptosuites, proof sets) are reported as "not checked", and an unsigned \
                or unchecked credential is never reported valid: --status-only checks the status alone, and says that \
                the proof was not checked. Lists are verified with the --trust keys too, or with the issuer's DID.

                Issuer binding: without --trust (or with --require-issuer-binding), every list must be bound to the \
                credential's issuer: signed by the issuer (its iss / issuer is the issuer's DID and a key of that DID \
                document signed it), or by a key the issuer's DID document lists (a delegated key), or by the leaf of \
                an x5c chain (JWT header; COSE header 33 in a CWT) that validates to a --trust-anchor, whose leaf is not \
                self-signed and carries --status-signing-eku when given. Otherwise the entry fails with a \
                STATUS_VERIFICATION_ERROR that says which binding failed. --trust keys otherwise sign lists of any issuer.

                Lists are cached on disk (the user's cache directory, or --cache-dir / STANDING_CACHE_DIR), so --offline \
                answers from what an earlier online run fetched, with its staleness; a list past its validUntil/exp is \
                never used as current. Online, cached lists are revalidated (a conditional request) unless --cached trusts \
                them until their ttl.

                With --registry URL (a Standing trust registry), the issuer's accreditation is checked too: was it \
                accredited for the credential's type (or schema), EQF level and jurisdiction at the credential's \
                issuance time (issuanceDate / validFrom / iat)? The snapshot mode (default) keeps the registry's signed \
                snapshot cached and current with its signed change feed and decides locally, so --offline answers from \
                the cache (saying how old it is); --registry-mode trqp asks the registry's TRQP endpoint instead. \
                --type, --eqf and --jurisdiction replace what is read from the credential. The report line is \
                "issuer accredited: yes/no (accreditation ID, seq N)".

                Each fetch (list, DID document, JWKS, registry) must complete, body included, within --timeout.

                Exit status: 0 valid (proof verified, every status valid, within its validity period, accredited when \
                --registry is given; with --status-only, the proof is not required); 1 revoked, suspended, invalid \
                (expired) or not accredited; 2 errors: the proof failed or was not verified (unsigned, a mechanism not \
                supported, the issuer's keys unavailable), unreachable or too slow, malformed.
                """
        )

        @Argument(help: "The credential file, or '-' for standard input.")
        var credential: String

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Trusted keys: a JWKS/DID document/JWK file, a PEM file of pinned x5c anchors, a JWKS URL, or a DID (did:web, did:key). Repeatable.",
                valueName: "JWKS-OR-URL"
            )
        )
        var trust: [String] = []

        @Option(
            name: .customLong("trust-anchor"),
            help: ArgumentHelp(
                "A PEM file of X.509 trust anchors (one or more CA certificates) for the x5c chains lists carry. Repeatable.",
                valueName: "CA.pem"
            )
        )
        var trustAnchors: [String] = []

        @Option(
            name: .customLong("status-signing-eku"),
            help: ArgumentHelp(
                "The status-signing extended key usage (dotted OID) the leaf of a list's x5c chain must carry; unset, no usage is checked.",
                valueName: "OID"
            )
        )
        var statusSigningEKU: String?

        @Flag(
            name: .customLong("require-issuer-binding"),
            help: "Require every list to be bound to the credential's issuer, even with --trust (--trust keys otherwise sign for any issuer)."
        )
        var requireIssuerBinding = false

        @Option(name: .long, help: "A trust registry (base URL) to check the issuer's accreditation with.")
        var registry: String?

        @Option(name: .customLong("registry-mode"), help: "How to consult the registry: snapshot (default, cached, offline-capable) or trqp.")
        var registryMode: String = "snapshot"

        @Option(
            name: .customLong("type"),
            help: "A credential type or schema id to check the accreditation for, instead of the credential's (repeatable)."
        )
        var types: [String] = []

        @Option(name: .long, help: "The EQF level (1-8 or its URI) to check the accreditation for, instead of the credential's.")
        var eqf: String?

        @Option(name: .long, help: "The jurisdiction (ISO alpha-3 code or URI) to check the accreditation for, instead of the credential's.")
        var jurisdiction: String?

        @Option(name: .long, help: "Check the status as of this time (unix seconds or an ISO 8601 date-time): historical resolution.")
        var at: String?

        @Flag(name: .long, help: "Answer from the cache only; never use the network.")
        var offline = false

        @Flag(name: .long, help: "Revalidate cached lists now (the default; kept for scripts that pass it).")
        var refresh = false

        @Flag(name: .long, help: "Trust a cached list until its ttl instead of revalidating it (fewer requests, older answers).")
        var cached = false

        @Flag(name: .long, help: "Print the report as JSON.")
        var json = false

        @Flag(
            name: .customLong("status-only"),
            help: "Check the status (and accreditation) only; the credential's proof is not checked, and the report says so."
        )
        var statusOnly = false

        @Option(name: .long, help: "The longest one fetch may take, in seconds, from connecting to the last byte of the body (default 15).")
        var timeout: Double = 15

        @Option(name: .customLong("cache-dir"), help: "The status list cache directory (default: the user's cache directory).")
        var cacheDirectory: String?

        func validate() throws {
            guard [offline, refresh, cached].filter({ $0 }).count <= 1 else {
                throw ValidationError("--offline, --refresh and --cached exclude each other")
            }
            guard timeout.isFinite, timeout > 0, timeout <= 3600 else {
                throw ValidationError("--timeout must be a number of seconds above 0 and at most 3600, not \(timeout)")
            }
            guard AccreditationResult.Mode(rawValue: registryMode) != nil else {
                throw ValidationError("--registry-mode must be snapshot or trqp, not '\(registryMode)'")
            }
            guard !(offline && registryMode == AccreditationResult.Mode.trqp.rawValue && registry != nil) else {
                throw ValidationError("--registry-mode trqp needs the network; use the snapshot mode with --offline")
            }
        }

        func run() async throws {
            let report: CredentialReport
            do {
                let parsed = try ParsedCredential(parsing: try LocalFiles.contents(of: credential))
                var verification = CredentialVerification()
                verification.policy = offline ? .offline : cached ? .useFresh : .revalidate
                verification.at = try at.map(CredentialVerification.instant)
                verification.cacheDirectory = cacheDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) }
                verification.timeout = .milliseconds(Int64((timeout * 1000).rounded()))
                verification.trust = trust
                verification.statusOnly = statusOnly
                verification.trustAnchorFiles = trustAnchors
                verification.statusSigningUsage = statusSigningEKU
                verification.requiresIssuerBinding = requireIssuerBinding
                verification.registry = registry
                verification.registryMode = AccreditationResult.Mode(rawValue: registryMode) ?? .snapshot
                verification.accreditationOverrides = AccreditationOverrides(credentialTypes: types.isEmpty ? nil : types, eqfLevel: eqf, jurisdiction: jurisdiction)
                report = try await verification.verify(parsed)
            } catch {
                let message = CredentialVerification.message(for: error)
                if json {
                    print(String(decoding: try LocalFiles.prettyJSON(["verdict": "error", "error": message]), as: UTF8.self), terminator: "")
                } else {
                    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
                }
                throw ExitCode(2)
            }
            print(json ? String(decoding: try LocalFiles.prettyJSON(report), as: UTF8.self) : report.text, terminator: json ? "" : "\n")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}
