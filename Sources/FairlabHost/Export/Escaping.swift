/// `text` with each character that has an entry in `replacements` replaced by it: the one loop behind the
/// HTML and LaTeX escapers.
func escaping(_ text: String, _ replacements: [Character: String]) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.count)
    for character in text {
        if let replacement = replacements[character] { escaped += replacement } else { escaped.append(character) }
    }
    return escaped
}
