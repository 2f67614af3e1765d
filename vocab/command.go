package vocab

import (
	"slices"
	"strings"
)

// Command is a reply command, written as the first word of a reply. The
// parser reads commands with ParseCommand and the engine applies each one;
// a test holds that the engine has a handler for every one of Commands.
type Command string

// The reply commands.
const (
	CmdAck      Command = "ACK"
	CmdResolved Command = "RESOLVED"
	CmdNote     Command = "NOTE"
	CmdUrgency  Command = "URGENCY"
	CmdReassign Command = "REASSIGN"
	CmdReopen   Command = "REOPEN"
)

// Commands lists every reply command.
var Commands = []Command{CmdAck, CmdResolved, CmdNote, CmdUrgency, CmdReassign, CmdReopen}

// commandAliases are other words read as a command.
var commandAliases = map[string]Command{"ACKNOWLEDGED": CmdAck, "ACKNOWLEDGE": CmdAck}

// ParseCommand reads a command word in any case.
func ParseCommand(word string) (Command, bool) {
	w := strings.ToUpper(word)
	if c := Command(w); slices.Contains(Commands, c) {
		return c, true
	}
	c, ok := commandAliases[w]
	return c, ok
}
