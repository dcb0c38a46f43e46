/// libFuzzer's driver, for the fuzz targets' entry points.
///
/// SwiftPM links an executable with `main` aliased to `<module>_main`, so libFuzzer's own `main` is never used: each
/// target defines `<module>_main` (it must carry the module's name, so it cannot live here) and calls ``runFuzzer``.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Hands the process over to libFuzzer, which calls `body` with each input.
/// - Parameters:
///   - argc: The argument count `main` got.
///   - argv: The arguments `main` got (libFuzzer's flags and corpus folders).
///   - body: The target: `LLVMFuzzerTestOneInput`.
/// - Returns: libFuzzer's exit status.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, body)
}
