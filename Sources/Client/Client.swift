/// Verifier and wallet side: fetch, verify and cache status lists (see the issue on the client).
public enum ClientModule {}
