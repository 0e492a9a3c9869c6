package exec

// Split splits an -e command line into arguments exactly as ncat's
// cmdline_split does: words are separated by white space, a backslash makes
// the next character literal ("\ " joins two words, "\\" is a backslash), a
// trailing lone backslash is dropped, and quotes have no special meaning.
// White space after an escaped character other than a backslash does not
// end the word: it is skipped (measured against ncat 7.93).
func Split(cmd string) []string {
	var args []string
	for i := 0; i < len(cmd); {
		for i < len(cmd) && isSpace(cmd[i]) {
			i++
		}
		if i == len(cmd) {
			break
		}
		var arg []byte
		for i < len(cmd) && !isSpace(cmd[i]) {
			if cmd[i] != '\\' {
				arg = append(arg, cmd[i])
				i++
				continue
			}
			i++
			if i == len(cmd) {
				break
			}
			c := cmd[i]
			arg = append(arg, c)
			i++
			// ncat's quirk: white space right after an escaped
			// character other than a backslash is skipped and the word
			// goes on ("a\  b" is the one word "a b", "a\x y" is "axy").
			if c != '\\' {
				for i < len(cmd) && isSpace(cmd[i]) {
					i++
				}
			}
		}
		args = append(args, string(arg))
	}
	return args
}

// isSpace is C's isspace in the "C" locale, which ncat uses.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
