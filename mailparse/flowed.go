package mailparse

import "strings"

// unflow joins the soft line breaks of format=flowed text (RFC 3676): a line
// ending in a space continues on the next line of the same quote depth; with
// DelSp=yes that space is removed. Space-stuffing is undone, and quoted
// lines are written back with one "> " per level so quote handling sees
// them. The signature separator "-- " is never joined.
func unflow(s string, delsp bool) string {
	var out, cur strings.Builder
	depth := -1
	open := false // cur holds a flowed (unfinished) paragraph
	flush := func() {
		if depth > 0 {
			out.WriteString(strings.Repeat("> ", depth))
		}
		out.WriteString(cur.String())
		out.WriteByte('\n')
		cur.Reset()
		open = false
	}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		content := line[d:]
		content = strings.TrimPrefix(content, " ")
		if open && (d != depth || content == "-- ") {
			flush() // a flowed paragraph never runs into another depth or the signature
		}
		depth = d
		flowed := content != "-- " && strings.HasSuffix(content, " ")
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		cur.WriteString(content)
		if flowed {
			open = true
		} else {
			flush()
		}
	}
	if open {
		flush()
	}
	return out.String()
}
