import API
import Testing

/// Reading the environment: defaults, and a clear refusal naming the variable at fault.
@Suite struct ConfigurationTests {
    let base = ["DATABASE_URL": "postgresql://localhost/x"]

    func read(_ extra: [String: String]) throws(CurtailConfiguration.Invalid) -> CurtailConfiguration {
        try CurtailConfiguration.fromEnvironment(base.merging(extra) { $1 })
    }

    @Test func pacingShare_DefaultsToTheWholeBudget_AndTakesAFraction() throws {
        #expect(try read([:]).pacingShare == 1)
        #expect(try read(["CURTAIL_PACING_SHARE": "0.5"]).pacingShare == 0.5)
    }

    @Test(arguments: ["0", "-0.5", "1.5", "half"])
    func pacingShare_OutsideZeroToOne_IsRefusedByName(_ text: String) {
        #expect {
            _ = try read(["CURTAIL_PACING_SHARE": text])
        } throws: { error in
            "\(error)".contains("CURTAIL_PACING_SHARE")
        }
    }

    @Test func controlShare_AboveHalf_IsRefusedByName() {
        #expect {
            _ = try read(["CURTAIL_CONTROL_SHARE": "0.9"])
        } throws: { error in
            "\(error)".contains("CURTAIL_CONTROL_SHARE")
        }
    }
}
