import Testing
@Test func placeholderEmu() { #expect(1 == 1) }
