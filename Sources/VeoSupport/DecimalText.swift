import Foundation

/// Numbers as people and ffmpeg read them: `7`, `0.5`, `26.5`, `0.041667`. At most `maxDecimals`
/// decimals, no trailing zeros, always a dot. The one formatter for seconds in messages, tables,
/// the contact sheet and filter graphs.
public enum DecimalText {
    public static func string(_ value: Double, maxDecimals: Int = 3) -> String {
        guard value.isFinite else { return String(value) }
        var text = String(format: "%.\(max(0, maxDecimals))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
