import FairlabCore
@testable import FairlabHost
import Testing

@Suite struct ParameterResolverTests {
    let method = MethodInfo(
        id: "m", name: "M", version: "1", description: "", stage: .in, needs: 0, tasks: 0,
        parameters: [
            ParameterInfo(key: "eta", description: "", type: .real, defaultValue: "1.5", minimum: 0, maximum: 10, choices: []),
            ParameterInfo(key: "steps", description: "", type: .integer, defaultValue: "3", minimum: 1, maximum: nil, choices: []),
            ParameterInfo(key: "fast", description: "", type: .boolean, defaultValue: "false", minimum: nil, maximum: nil, choices: []),
            ParameterInfo(key: "mode", description: "", type: .choice, defaultValue: "a", minimum: nil, maximum: nil, choices: ["a", "b"]),
        ],
        libraryPath: "", libraryID: "", libraryName: "", libraryVersion: "")

    @Test func defaultsAndOverridesResolveInDescriptorOrder() throws {
        let resolved = try ResolvedParameters(method: method, overrides: ["steps": "7", "fast": "yes", "mode": "b"])
        #expect(resolved.texts == ["1.5", "7", "true", "b"])
        #expect(resolved.numbers[0...2] == [1.5, 7, 1])
        #expect(resolved.numbers[3].isNaN)
        #expect(resolved.summary == "eta=1.5 steps=7 fast=true mode=b")
    }

    @Test func badValuesAreClearErrors() {
        #expect(throws: FairlabError("unknown parameter 'speed' for method m (it has: eta, steps, fast, mode)")) {
            try ResolvedParameters(method: method, overrides: ["speed": "1"])
        }
        #expect(throws: FairlabError("m.eta=11 is above its maximum 10.0")) { try ResolvedParameters(method: method, overrides: ["eta": "11"]) }
        #expect(throws: FairlabError("m.steps=2.5 is not an integer")) { try ResolvedParameters(method: method, overrides: ["steps": "2.5"]) }
        #expect(throws: FairlabError("m.mode=c is not one of: a, b")) { try ResolvedParameters(method: method, overrides: ["mode": "c"]) }
    }
}
