// libFuzzer target: the HTTP/1.1 request decoder (request line, head, Content-Length and chunked framing).
//
// Oracle: besides not crashing, the decoder must give the same answer however the bytes are split across reads
// (a keep-alive connection sees arbitrary segmentation). The first input byte picks the split point.
import HTTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    FuzzOracle.checkSegmentationIndependence(Array(bytes.dropFirst()), split: Int(bytes[0]))
    return 0
}
