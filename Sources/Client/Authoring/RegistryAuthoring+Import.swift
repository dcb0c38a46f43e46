import Foundation
import Signing
import StandingAPI
import TrustRegistry

extension RegistryAuthoring {
    /// One statement of an import, as it went.
    public enum ImportStep: Sendable {
        /// The registry holds these signed bytes already (at `seq`); skipped.
        case alreadyRecorded(seq: Int)
        /// Submitted and recorded.
        case recorded(RecordedStatement)
    }

    /// Submits the pre-signed statements of a `standing-registry-import/v1` document in order. Statements the
    /// registry holds already (the same signed bytes) are skipped, so an import can be repeated, or resumed after a
    /// failure, without conflicts.
    /// - Parameters:
    ///   - document: The file's bytes.
    ///   - name: The file's name, for errors.
    ///   - progress: Told of each statement as it goes.
    /// - Returns: Each statement's step, in order.
    /// - Throws: ``AuthoringError`` for a document that is not an import file, or for a refused statement (with advice:
    ///   a different registry, or where to resume).
    public func importStatements(_ document: Data, name: String, progress: (ImportStep) -> Void) async throws -> [ImportStep] {
        guard let parsed = try? JSONValue(parsing: document), parsed["format"]?.stringValue == "standing-registry-import/v1",
            let statements = parsed["statements"]?.arrayValue
        else {
            throw AuthoringError("\(name) is not a standing-registry-import/v1 file")
        }
        let log = try await log()
        let recordedAt = Dictionary(log.events.map { ($0.evidence, $0.seq) }, uniquingKeysWith: { first, _ in first })
        var steps = [ImportStep]()
        for (index, statement) in statements.enumerated() {
            guard let jws = statement["jws"]?.stringValue else { throw AuthoringError("statement \(index + 1) has no jws") }
            let step: ImportStep
            if let seq = recordedAt[jws] {
                step = .alreadyRecorded(seq: seq)
            } else {
                do {
                    step = .recorded(try await client.submitStatement(jws))
                } catch {
                    var advice = ""
                    if steps.isEmpty, !log.events.isEmpty {
                        let root = (try? await replayedState().rootAuthority) ?? nil
                        advice = "; the registry at \(client.serverURL) already holds another registry (root \(root ?? "unknown"), "
                            + "\(log.head) events) and \(name) starts a new one: import it into a fresh data directory "
                            + "(`standing serve --data-dir NEW-DIR`), or import only statements that extend this registry"
                    } else if index > 0 {
                        advice = "; statements 1-\(index) are in the registry, so running the import again resumes here"
                    }
                    throw AuthoringError("statement \(index + 1) of \(statements.count) refused: \(error)\(advice)")
                }
            }
            steps.append(step)
            progress(step)
        }
        return steps
    }
}
