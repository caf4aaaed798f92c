#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// `rostra serve` as a user starts it: state created and seeded on first start and reused
/// after, options from flags and environment, health on both ports, SIGTERM exits 0.
@Suite struct ServeCommandTests {
    @Test func firstStartSeedsThenTheStateIsReused() throws {
        let scratch = try TemporaryDirectory()
        let arguments = ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", RostraProcess.seedDirectory, "--log-level", "error"]

        let first = try RostraProcess(arguments, directory: scratch.url)
        let ports = try first.waitForBanner()
        #expect(first.banner.contains(".rostra/rostra.sqlite (seeded now)"))
        #expect(first.banner.contains("rostidemo0000000000000000000000000000001"))
        #expect(try RostraProcess.get(port: ports.rosti, path: "/__admin/health") == (200, #"{"status":"ok","version":"0.1.0","api":"rosti"}"#))
        #expect(try RostraProcess.get(port: ports.rosa, path: "/__admin/health").1.contains(#""api":"rosa""#))
        #expect(first.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.path(".rostra/rostra.sqlite")))

        let second = try RostraProcess(arguments, directory: scratch.url)
        _ = try second.waitForBanner()
        #expect(second.banner.contains("(reused)"))
        #expect(second.stop() == 0)

        let third = try RostraProcess(arguments + ["--reseed"], directory: scratch.url)
        _ = try third.waitForBanner()
        #expect(third.banner.contains("(seeded now)"))
        #expect(third.stop() == 0)
    }

    @Test func optionsComeFromTheEnvironmentAndFlagsWin() throws {
        let scratch = try TemporaryDirectory()
        let environment = [
            "ROSTRA_DB": scratch.path("env.sqlite"), "ROSTRA_SEED": RostraProcess.seedDirectory,
            "ROSTRA_ROSTI_PORT": "0", "ROSTRA_ROSA_PORT": "0", "ROSTRA_LOG_LEVEL": "error",
        ]
        let fromEnvironment = try RostraProcess(["serve"], environment: environment, directory: scratch.url)
        _ = try fromEnvironment.waitForBanner()
        #expect(fromEnvironment.banner.contains("State                \(scratch.path("env.sqlite")) (seeded now)"))
        #expect(fromEnvironment.stop() == 0)

        let flagWins = try RostraProcess(["serve", "--db", ":memory:"], environment: environment, directory: scratch.url)
        _ = try flagWins.waitForBanner()
        #expect(flagWins.banner.contains("State                :memory: (seeded now)"))
        #expect(flagWins.stop() == 0)
    }

    @Test func jsonLogsCarryTheRequestIdTheClientSaw() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--log-format", "json"], directory: scratch.url)
        let ports = try server.waitForBanner()
        let (status, _) = try RostraProcess.get(port: ports.rosti, path: "/__admin/health")
        #expect(status == 200)
        #expect(server.stop() == 0)
        let lines = server.standardErrorLines()
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        let others = lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) == nil }
        #expect(!lines.isEmpty && others.isEmpty, "every line is a JSON object: \(others)")
        let access = objects.first { $0["message"]?.hasPrefix("GET /__admin/health 200") == true }
        #expect(access?["request-id"] == "rosti-1")
        #expect(access?["level"] == "info")
    }

    @Test func theRosaUploadLimitComesFromTheCommandLine() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--rosa-max-upload-bytes", "10", "--log-level", "error"], directory: scratch.url)
        let ports = try server.waitForBanner()
        let body = "--b\r\nContent-Disposition: form-data; name=\"file_store[file]\"; filename=\"a.txt\"\r\n\r\n"
            + "eleven bytes\r\n--b--\r\n"
        let request = "POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
            + "Authorization: Basic \(Data("demo:demo-password".utf8).base64EncodedString())\r\n"
            + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        let (status, answer) = try RostraProcess.exchange(port: ports.rosa, request: Array(request.utf8))
        #expect(status == 413, "\(answer)")
        #expect(server.stop() == 0)
    }

    @Test func badSettingsStopStartUpWithAMessage() throws {
        let scratch = try TemporaryDirectory()
        let (status, _, errors) = try RostraProcess.run(["serve"], environment: ["ROSTRA_ROSTI_PORT": "eighty"], directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("ROSTRA_ROSTI_PORT=eighty is not a port number"))

        let (levelStatus, _, levelErrors) = try RostraProcess.run(["serve", "--log-level", "loud"], directory: scratch.url)
        #expect(levelStatus != 0)
        #expect(levelErrors.contains("--log-level loud is not a log level"))
    }

    @Test func usageMistakesExit64WithTheUsageAndStartNothing() throws {
        let scratch = try TemporaryDirectory()
        let database = scratch.path("db.sqlite")
        let cases: [([String], [String: String], String)] = [
            (["serve", "--nope", "--db", database], [:], "Unknown option '--nope'."),
            (["--rosti-port", "--db", database], [:], "Missing value for '--rosti-port <port>'."),
            (["serve", "--db", database], ["ROSTRA_NO_ADMIN": "maybe"], "ROSTRA_NO_ADMIN=maybe is neither on"),
            (["serve", "--db", database, "--shutdown-grace", "-1"], [:], "--shutdown-grace -1 is not a number of seconds"),
            (["serve", "--db", database, "--maintenance", "all"], [:], "--maintenance all is not an API: rosti, rosa or both."),
            (["serve", "--db", database], ["ROSTRA_MAINTENANCE": "rosa, nope"], "ROSTRA_MAINTENANCE=nope is not an API"),
            (["serve", "--db", database, "--rosa-max-upload-bytes", "0"], [:], "--rosa-max-upload-bytes 0 is not a number of bytes, 1 or more."),
            (["serve", "--db", database, "--admin-token", ""], [:], "The admin token must be printable ASCII"),
        ]
        for (arguments, environment, message) in cases {
            let (status, output, errors) = try RostraProcess.run(arguments, environment: environment, directory: scratch.url)
            #expect(status == 64, "\(arguments) \(environment)")
            #expect(errors.hasPrefix("Error: ") && errors.contains(message), "\(errors)")
            #expect(errors.contains("Usage: rostra serve <options>\n"), "\(errors)")
            #expect(output.isEmpty, "no banner: nothing started")
        }
        #expect(!FileManager.default.fileExists(atPath: database), "no state was opened")
    }

    /// `both`, as `PUT /__admin/maintenance` takes it, from the flag and from the variable.
    @Test func maintenanceBothStartsEveryAPIInMaintenance() throws {
        let scratch = try TemporaryDirectory()
        let base = ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
                    "--log-level", "error"]
        for (arguments, environment) in [(base + ["--maintenance", "both"], [:]), (base, ["ROSTRA_MAINTENANCE": "Both"]),
                                         (base + ["--maintenance", "rosa", "--maintenance", "both"], [:])] {
            let server = try RostraProcess(arguments, environment: environment, directory: scratch.url)
            let ports = try server.waitForBanner()
            #expect(try RostraProcess.get(port: ports.rosa, path: "/__admin/maintenance") == (200, #"{"rosti":true,"rosa":true}"#),
                    "\(arguments) \(environment)")
            #expect(try RostraProcess.get(port: ports.rosti, path: "/api/v1/companies/").0 == 503)
            #expect(try RostraProcess.get(port: ports.rosa, path: "/api/v1/check").0 == 503)
            #expect(server.stop() == 0)
        }
    }

    @Test func aBrokenSeedStopsStartUpAndLeavesNoDatabase() throws {
        let scratch = try TemporaryDirectory()
        let seed = scratch.url.appendingPathComponent("seed")
        try FileManager.default.copyItem(atPath: RostraProcess.seedDirectory, toPath: seed.path)
        let rosti = seed.appendingPathComponent("rosti.json")
        let broken = try String(contentsOf: rosti, encoding: .utf8).replacingOccurrences(of: "\"companies\"", with: "\"companies\" ::")
        try broken.write(to: rosti, atomically: true, encoding: .utf8)

        let (status, _, errors) = try RostraProcess.run(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", seed.path, "--db", scratch.path("db.sqlite")], directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("rosti.json"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("db.sqlite")))
    }

    @Test func aSeedBrokenAfterTheDatabaseWasMadeStillEndsTheProcess() throws {
        let scratch = try TemporaryDirectory()
        let seed = scratch.url.appendingPathComponent("seed")
        try FileManager.default.copyItem(atPath: RostraProcess.seedDirectory, toPath: seed.path)
        let arguments = ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", seed.path, "--db", scratch.path("db.sqlite")]
        let first = try RostraProcess(arguments, directory: scratch.url)
        _ = try first.waitForBanner()
        #expect(first.stop() == 0)

        let rosa = seed.appendingPathComponent("rosa.json")
        try "{ not json".write(to: rosa, atomically: true, encoding: .utf8)
        let (status, _, errors) = try RostraProcess.run(arguments, directory: scratch.url)
        #expect(status == 1)
        #expect(errors.contains("rosa.json"))
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndLeftAlone() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path("notes.sqlite")
        try "my notes".write(toFile: path, atomically: true, encoding: .utf8)
        let (status, _, errors) = try RostraProcess.run(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--seed", RostraProcess.seedDirectory, "--db", path], directory: scratch.url)
        #expect(status != 0)
        #expect(errors.contains("is not a SQLite database"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "my notes")
    }

    /// SIGHUP (a closed terminal) stops Rostra as SIGTERM does: requests finish, the stop is
    /// logged, the ready file goes, and it exits 0 — not 129 on the spot. Started through
    /// `env --default-signal=HUP` so the test does not depend on how its runner was started.
    @Test func sighupStopsGracefullyLikeSIGTERM() throws {
        let scratch = try TemporaryDirectory()
        let readyPath = scratch.path("ready.json")
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", scratch.path("db.sqlite"), "--seed", RostraProcess.seedDirectory,
             "--ready-file", readyPath, "--log-level", "notice"], directory: scratch.url, launcher: ["/usr/bin/env", "--default-signal=HUP"])
        _ = try server.waitForBanner()
        #expect(eventually { FileManager.default.fileExists(atPath: readyPath) })
        kill(server.process.processIdentifier, SIGHUP)
        let ended = eventually(timeout: .seconds(10)) { !server.process.isRunning }
        #expect(ended, "SIGHUP ends the process")
        if !ended { kill(server.process.processIdentifier, SIGKILL) }
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0,
                "\(server.process.terminationReason) \(server.process.terminationStatus)")
        let log = server.standardErrorLines()
        #expect(log.contains { $0.contains("SIGHUP: shutting down") }, "\(log)")
        #expect(log.last?.hasSuffix("stopped") == true, "\(log)")
        #expect(!FileManager.default.fileExists(atPath: readyPath))
    }

    /// `nohup rostra` asked for SIGHUP to be ignored, and it is; SIGTERM still stops it.
    @Test func sighupStaysIgnoredUnderNohup() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--log-level", "error"], directory: scratch.url, launcher: ["/usr/bin/nohup"])
        let ports = try server.waitForBanner()
        kill(server.process.processIdentifier, SIGHUP)
        usleep(200_000)
        #expect(server.process.isRunning)
        #expect(try RostraProcess.get(port: ports.rosti, path: "/__admin/health").0 == 200)
        #expect(server.stop() == 0)
    }

    /// A non-interactive shell starts `rostra &` with SIGINT ignored; `kill -INT` stops it
    /// all the same, as before SIGHUP was handled.
    @Test func sigintStopsItEvenWhenTheParentIgnoredIt() throws {
        let scratch = try TemporaryDirectory()
        let server = try RostraProcess(
            ["serve", "--rosti-port", "0", "--rosa-port", "0", "--db", ":memory:", "--seed", RostraProcess.seedDirectory,
             "--log-level", "notice"], directory: scratch.url, launcher: ["/usr/bin/env", "--ignore-signal=INT"])
        _ = try server.waitForBanner()
        kill(server.process.processIdentifier, SIGINT)
        let ended = eventually(timeout: .seconds(10)) { !server.process.isRunning }
        #expect(ended)
        if !ended { kill(server.process.processIdentifier, SIGKILL) }
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
        #expect(server.standardErrorLines().contains { $0.contains("SIGINT: shutting down") })
    }

    /// A port in use ends the start before the state is opened: a first start leaves no
    /// new, seeded `.rostra` behind, whichever port it is.
    @Test func aPortInUseStopsStartUpBeforeTheStateIsMade() throws {
        let scratch = try TemporaryDirectory()
        let taken = try ListeningSocket()
        for (api, option, other) in [("rosti", "--rosti-port", "--rosa-port"), ("rosa", "--rosa-port", "--rosti-port")] {
            let (status, output, errors) = try RostraProcess.run(
                ["serve", option, "\(taken.port)", other, "0", "--seed", RostraProcess.seedDirectory, "--ready-file", scratch.path("ready.json")],
                directory: scratch.url)
            #expect(status == 1)
            #expect(errors.hasPrefix("Error: Cannot listen for the \(api) API on 127.0.0.1:\(taken.port): "), "\(errors)")
            #expect(output.isEmpty, "no banner")
            #expect(!FileManager.default.fileExists(atPath: scratch.path(".rostra")), "no state was made")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("ready.json")))
        }
    }
}

/// A TCP socket listening on a free loopback port, closed when released.
final class ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw RostraProcess.Failure(description: "cannot listen: errno \(errno)")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
