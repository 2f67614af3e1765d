package engine

import (
	"fmt"
	"strings"

	"escalationd/vocab"
)

// AuthorizationTable renders the authorization table as Markdown, for
// docs/authorization.md (a test keeps the two the same).
func AuthorizationTable() string {
	var b strings.Builder
	b.WriteString("| who | case | commands | comments | relayed | answered |\n|---|---|---|---|---|---|\n")
	for a := actor(0); a < actorCount; a++ {
		for i, class := range []string{"ordinary", "confidential"} {
			p := authorization[a][i]
			var cmds []string
			for _, c := range vocab.Commands {
				switch {
				case c == vocab.CmdNote:
				case c == vocab.CmdUrgency && p.up && p.allows(c):
					cmds = append(cmds, "URGENCY (up only)")
				case p.allows(c):
					cmds = append(cmds, string(c))
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", a, class, orDefault(strings.Join(cmds, ", "), "none"),
				yesNo(p.comment, "recorded (and NOTE)", "no"), yesNo(p.relay, "yes", "no"), yesNo(p.answer, "yes", "no"))
		}
	}
	return b.String()
}

func yesNo(v bool, yes, no string) string {
	if v {
		return yes
	}
	return no
}
