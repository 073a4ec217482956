// libFuzzer target: OpenADR 3 event decoding and validation, as POST /openadr3/3.0.1/events runs them.
import Foundation
import OpenADR

private let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z, fixed for reproducibility

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenADREvent(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Data(UnsafeBufferPointer(start: data, count: size))
    guard let event = try? OpenADRJSON.decode(Event.self, from: body) else { return 0 }
    if let validated = try? event.validated(now: now) {
        // What was accepted must encode again (it is stored and served back).
        _ = try? OpenADRJSON.encode(validated.event)
    }
    return 0
}
