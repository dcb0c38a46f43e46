/// Keeps benchmark results observable so the optimiser cannot drop the work that produced them.
@inline(never)
public func consume<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
