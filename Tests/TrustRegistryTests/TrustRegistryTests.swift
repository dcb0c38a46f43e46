import Testing
import TrustRegistry
