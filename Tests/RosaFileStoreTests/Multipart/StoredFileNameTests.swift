import Testing

@testable import RosaFileStore

@Suite struct StoredFileNameTests {
    @Test(arguments: [
        ("kernel.tar.gz", "kernel.tar.gz"),
        ("dir/sub/kernel.tar.gz", "kernel.tar.gz"),
        ("/abs/path/kernel.tar.gz", "kernel.tar.gz"),
        (#"C:\Users\me\kernel.tar.gz"#, "kernel.tar.gz"),
        (#"mixed/dirs\and/file.log"#, "file.log"),
        ("../../etc/passwd", "passwd"),
        ("a+b~c_d-e.f", "a+b~c_d-e.f"),
        ("my file (1).txt", "my_file__1_.txt"),
        ("semi;colon\"quote'.txt", "semi_colon_quote_.txt"),
        ("ядро.tar.gz", "____.tar.gz"),
        ("e\u{301}.txt", "e_.txt"),
        ("a\u{0}b\tc\r\nd", "a_b_c__d"),
        ("\u{FFFD}.bin", "_.bin"),
        (".bashrc", ".bashrc"),
        ("..hidden", "..hidden"),
    ])
    func keepsTheBasenameAndReplacesOtherCharacters(clientName: String, stored: String) {
        #expect(StoredFileName(sanitizing: clientName).value == stored)
    }

    @Test(arguments: [
        ("", "unnamed"),
        ("dir/", "unnamed"),
        ("/", "unnamed"),
        (#"dir\"#, "unnamed"),
        (".", "_."),
        ("..", "_.."),
        ("...", "_..."),
        ("dir/..", "_.."),
        (#"dir\."#, "_."),
    ])
    func neverGivesANameThatIsAPathOfItsOwn(clientName: String, stored: String) {
        #expect(StoredFileName(sanitizing: clientName).value == stored)
    }

    @Test func shortensLongNamesInTheStemKeepingAShortExtension() {
        let long = StoredFileName(sanitizing: String(repeating: "a", count: 300) + ".tar.gz").value
        #expect(long == String(repeating: "a", count: 252) + ".gz")

        #expect(
            StoredFileName(sanitizing: String(repeating: "a", count: 300)).value == String(repeating: "a", count: 255))
        let longExtension = "a." + String(repeating: "b", count: 300)
        #expect(StoredFileName(sanitizing: longExtension).value == String(longExtension.prefix(255)))
        #expect(StoredFileName(sanitizing: String(repeating: "a", count: 255)).value.count == 255)
    }

    @Test func aShortenedNameOfDotsStillGetsItsUnderscore() {
        let dots = String(repeating: ".", count: 300)
        #expect(StoredFileName(sanitizing: dots).value == "_" + String(repeating: ".", count: 254))
        let dotsThenLongExtension = dots + String(repeating: "a", count: 40)
        #expect(StoredFileName(sanitizing: dotsThenLongExtension).value == "_" + String(repeating: ".", count: 254))
    }

    @Test(arguments: [
        "", ".", "..", "/..", #"\.."#, "a/../..", "../", " ", "\u{0}", "/\u{0}/", String(repeating: "é", count: 400),
        String(repeating: ".", count: 1000),
    ])
    func alwaysGivesAUsableFileName(clientName: String) {
        let stored = StoredFileName(sanitizing: clientName).value
        #expect(!stored.isEmpty)
        #expect(stored != "." && stored != "..")
        #expect(stored.utf8.count <= StoredFileName.maximumLength)
        #expect(
            stored.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || $0.properties.numericType != nil
                        || "_.-+~".unicodeScalars.contains($0))
            })
    }
}
