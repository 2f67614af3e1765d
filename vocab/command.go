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
	// CmdCSAT reports the customer's satisfaction after a resolution, 1 to
	// 5, as the agent heard it when confirming with the customer.
	CmdCSAT Command = "CSAT"
)

// The range of a CSAT score.
const (
	CSATMin = 1
	CSATMax = 5
)

// Commands lists every reply command.
var Commands = []Command{CmdAck, CmdResolved, CmdNote, CmdUrgency, CmdReassign, CmdReopen, CmdCSAT}

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

// commandUsage is each command's syntax and what it does, for the mail
// that lists the commands a reader may send.
var commandUsage = map[Command][2]string{
	CmdAck:      {"ACK", "acknowledge: you own it, the breach clock stops"},
	CmdResolved: {"RESOLVED <note>", "resolved: closes the case and the loop"},
	CmdNote:     {"NOTE <text>", "add a note to the case"},
	CmdUrgency:  {"URGENCY <level>", "change urgency: " + strings.Join(UrgencyNames(), ", ")},
	CmdReassign: {"REASSIGN <team>", "hand the case to another team"},
	CmdReopen:   {"REOPEN", "reopen a resolved case"},
	CmdCSAT:     {"CSAT <1-5>", "the customer's satisfaction, after you confirmed the resolution with them"},
}

// Usage is the command's syntax ("RESOLVED <note>") and what it does.
func (c Command) Usage() (syntax, does string) {
	u := commandUsage[c]
	return u[0], u[1]
}
