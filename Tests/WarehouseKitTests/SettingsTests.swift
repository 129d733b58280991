import Testing
import WarehouseKit

private let port = Setting<Int>("port", group: "g", default: 8080, rule: .within(1...65_535), help: "Port.")
private let every = Setting<Int?>("gremlin-every", group: "g", default: nil, rule: .atLeast(1), help: "Every n-th.")
private let fraction = Setting<Double?>("gremlin-fraction", group: "g", default: nil, rule: .within(0...1), help: "Fraction.")
private let durability = Setting<Durability>("durability", group: "g", default: .full, help: "Durability.")
private let naive = Setting<Bool>("naive", group: "g", default: false, help: "Naive.")
private let token = Setting<String?>("admin-token", group: "g", default: nil, secret: true, help: "Token.")
private let declared: [any SettingDeclaration] = [port, every, fraction, durability, naive, token]

private func parse(_ arguments: [String], _ environment: [String: String] = [:]) throws(SettingsError) -> Settings {
    try Settings.parse(arguments, environment: environment, declared: declared, command: "serve test")
}

@Suite("Settings")
struct SettingsTests {
    @Test("a setting's environment variable is its flag in capitals, dashes as underscores, after WAREHOUSE_")
    func environmentNames() {
        #expect(port.environmentName == "WAREHOUSE_PORT")
        #expect(every.environmentName == "WAREHOUSE_GREMLIN_EVERY")
        #expect(every.flag == "--gremlin-every")
    }

    @Test("unset settings have their defaults")
    func defaults() throws {
        let settings = try parse([])
        #expect(settings[port] == 8080)
        #expect(settings[every] == nil)
        #expect(settings[durability] == .full)
        #expect(settings[naive] == false)
        #expect(settings.given.isEmpty)
    }

    @Test("flags in both spellings, bare flags, and the environment")
    func sources() throws {
        let settings = try parse(
            ["--port", "9000", "--gremlin-fraction=0.25", "--naive"],
            ["WAREHOUSE_DURABILITY": "normal", "WAREHOUSE_GREMLIN_EVERY": "3", "WAREHOUSE_ADMIN_TOKEN": "t0ken"])
        #expect(settings[port] == 9000)
        #expect(settings[fraction] == 0.25)
        #expect(settings[naive])
        #expect(settings[durability] == .normal)
        #expect(settings[every] == 3)
        #expect(settings[token] == "t0ken")
    }

    @Test("a flag wins over its environment variable; variables of other settings are ignored")
    func flagWins() throws {
        let settings = try parse(["--port", "9000"], ["WAREHOUSE_PORT": "9100", "WAREHOUSE_ORDER_DEADLINE_MS": "nonsense"])
        #expect(settings[port] == 9000)
    }

    @Test("an empty variable counts as unset; a flag variable reads true and false")
    func environmentForms() throws {
        #expect(try parse([], ["WAREHOUSE_PORT": ""])[port] == 8080)
        #expect(try parse([], ["WAREHOUSE_NAIVE": "true"])[naive])
        #expect(try parse([], ["WAREHOUSE_NAIVE": "0"])[naive] == false)
    }

    @Test(
        "bad values are refused, naming where they came from",
        arguments: [
            (["--port", "0"], [:], "--port must be between 1 and 65535 (given: 0)"),
            (["--port", "eighty"], [:], "--port must be an integer (given: eighty)"),
            ([], ["WAREHOUSE_PORT": "70000"], "WAREHOUSE_PORT must be between 1 and 65535 (given: 70000)"),
            (["--gremlin-every", "0"], [:], "--gremlin-every must be at least 1 (given: 0)"),
            (["--durability", "fast"], [:], "--durability must be one of full, normal (given: fast)"),
            ([], ["WAREHOUSE_NAIVE": "maybe"], "WAREHOUSE_NAIVE must be true or false (given: maybe)"),
            (["--port"], [:], "--port needs a value"),
            (["--prot", "1"], [:], "--prot is not a setting of `warehouse serve test` (`warehouse settings` lists them all)"),
            (["9000"], [:], "unexpected argument '9000' for `warehouse serve test`"),
            (
                ["--admin-token", "x"], [:],
                "--admin-token is read from WAREHOUSE_ADMIN_TOKEN only: on the command line everyone on the machine could read it"
            ),
        ] as [([String], [String: String], String)])
    func refusals(_ arguments: [String], _ environment: [String: String], _ message: String) {
        #expect(throws: SettingsError.self) { try parse(arguments, environment) }
        do {
            _ = try parse(arguments, environment)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("given values pass on as the very arguments and secrets that give them again")
    func roundTrip() throws {
        let original = try parse(
            ["--gremlin-fraction", "0.10", "--naive", "--port=9000"], ["WAREHOUSE_DURABILITY": "normal", "WAREHOUSE_ADMIN_TOKEN": "t"])
        let arguments = original.arguments(declared)
        #expect(arguments == ["--port", "9000", "--gremlin-fraction", "0.10", "--durability", "normal", "--naive"])
        #expect(original.secretEnvironment(declared) == ["WAREHOUSE_ADMIN_TOKEN": "t"])
        let passedOn = try parse(arguments, original.secretEnvironment(declared))
        #expect(passedOn == original)
    }

    @Test("a value set in code is given, and nil unsets it")
    func setting() {
        var settings = Settings()
        settings[every] = 5
        settings[naive] = true
        #expect(settings.arguments(declared) == ["--gremlin-every", "5", "--naive"])
        settings[every] = nil
        #expect(!settings.isGiven(every))
        #expect(settings.restricted(to: [port]).given.isEmpty)
    }

    @Test("an every-n-th rule and a fraction rule are each a selector, and both at once a conflict")
    func chaosSelectors() throws {
        #expect(try parse([]).chaosSelector(every: every, fraction: fraction) == ChaosSelector.none)
        #expect(try parse(["--gremlin-every", "4"]).chaosSelector(every: every, fraction: fraction) == .everyNth(4))
        #expect(try parse(["--gremlin-fraction", "0.5"]).chaosSelector(every: every, fraction: fraction) == .fraction(0.5, seed: 1))
        #expect(throws: SettingsError.conflict("give --gremlin-every or --gremlin-fraction, not both")) {
            try parse(["--gremlin-every", "4", "--gremlin-fraction", "0.5"]).chaosSelector(every: every, fraction: fraction)
        }
    }
}
