// libFuzzer target: the chunked body decoder (RFC 9112 §7.1), reached the way a client reaches it: through the
// request decoder, after a head that declares `Transfer-Encoding: chunked`. The input is the body.
import HTTP

private let head = Array("POST /v1/import HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunkedBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    FuzzOracle.checkSegmentationIndependence(head + bytes.dropFirst(), split: head.count + Int(bytes[0]))
    return 0
}
