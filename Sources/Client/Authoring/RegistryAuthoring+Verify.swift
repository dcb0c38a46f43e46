import Foundation
import Signing
import TrustRegistry

extension RegistryAuthoring {
    /// One check of ``verify()``: whether it passed, and what was checked, in one line.
    public struct Check: Sendable, Equatable {
        public var passed: Bool
        public var line: String

        /// Creates a check.
        public init(_ passed: Bool, _ line: String) {
            self.passed = passed
            self.line = line
        }
    }

    /// Checks what a relying party checks: the log (every event re-applied under the registry's rules: signatures,
    /// scopes, hash chain), the wallet snapshot (signed by the service key, at a state the log has) and the LoTE
    /// (JAdES with x5c). Failures are checks that did not pass, never thrown.
    public func verify() async -> [Check] {
        var checks = [Check]()

        // 1. The log.
        var hashes = [Int: String]()
        var replayed: RegistryState?
        do {
            let log = try await log()
            for event in log.events { hashes[event.seq] = event.hash }
            do {
                let state = try RegistryState.replay(log.events)
                replayed = state
                checks.append(Check(true, "log: \(log.events.count) events replayed, signatures and hash chain verified, head \(state.headHash)"))
                checks.append(Check(state.seq == log.head, "log head: the server reports seq \(log.head), the replay reached seq \(state.seq)"))
            } catch {
                checks.append(Check(false, "log: \(error.reason)"))
            }
        } catch {
            checks.append(Check(false, "log: \(error)"))
        }

        // 2. The wallet snapshot: signed by the service key, and the state the log says.
        do {
            let jwks = try await client.read("/.well-known/jwks.json")
            let keys = try JSONValue(parsing: jwks).decode(JWKSet.self)
            let compact = String(decoding: try await client.read("/registry/v1/snapshot", accept: "application/jwt"), as: UTF8.self)
            let snapshot = try WalletSigning.verifySnapshot(compact.trimmingCharacters(in: .whitespacesAndNewlines), keys: keys)
            checks.append(Check(true, "snapshot: signature verified with the service JWKS (seq \(snapshot.seq))"))
            if replayed != nil {
                let matches = hashes[snapshot.seq] == snapshot.head && snapshot.rootAuthority == replayed?.rootAuthority
                checks.append(Check(matches, "snapshot: seq \(snapshot.seq) head \(snapshot.head) \(matches ? "matches" : "does not match") the log"))
            }
        } catch {
            checks.append(Check(false, "snapshot: \(error)"))
        }

        // 3. The LoTE: JAdES with x5c. The leaf is self-signed, so it can only anchor itself.
        do {
            let compact = String(decoding: try await client.read("/lote", accept: "application/jwt"), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let jws = try CompactJWS(parsing: compact)
            guard let der = jws.header.certificateChain, !der.isEmpty else { throw AuthoringError("the JAdES header has no x5c") }
            let chain = try X509Certificate.parseChain(der: der)
            guard let anchor = chain.last else { throw AuthoringError("the x5c chain is empty") }
            let verified = try await LoTESigning.verify(compact, trustAnchors: [anchor])
            let sequence = verified.document.LoTE.ListAndSchemeInformation.LoTESequenceNumber
            checks.append(Check(true, "lote: JAdES signature and x5c verified (x5c self-signed; pin the certificate to trust it)"))
            checks.append(Check(sequence >= 1, "lote: LoTESequenceNumber \(sequence)"))
        } catch let error as RegistryError {
            checks.append(Check(false, "lote: \(error.reason)"))
        } catch let error as SigningError {
            checks.append(Check(false, "lote: \(error.reason)"))
        } catch {
            checks.append(Check(false, "lote: \(error)"))
        }
        return checks
    }
}
