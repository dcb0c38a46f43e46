/// The trusted-issuer registry: pure rules and projections (see the issue on the trust registry).
public enum TrustRegistryModule {}
