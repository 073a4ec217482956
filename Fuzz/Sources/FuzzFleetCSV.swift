// libFuzzer target: the fleet import's CSV parser and per-row field parsing (POST /v1/vehicles/import, text/csv).
import Fleet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFleetCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let rows = try? VehicleImportPayload.parseCSV(bytes) else { return 0 }
    for case .success(let fields) in rows { _ = VehicleDraft.parse(fields) }
    return 0
}
