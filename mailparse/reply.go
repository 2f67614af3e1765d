package mailparse

import (
	"escalationd/vocab"
	"fmt"
	"strings"
)

// replyTicket reports whether a mail belongs to the thread of a case, and
// the ticket its subject names: In-Reply-To or References holds a gateway
// Message-ID, or the subject has a reply prefix followed by a template
// subject carrying a ticket ("Re: ESCALATION: [TCK-1234] [Critical] ...").
func replyTicket(res *Result, si subjectInfo, domain string) (ticket string, ok bool) {
	if si.reply && si.kind == vocab.KindEscalation {
		if id, valid := parseTicket(si.rest); valid {
			ticket, ok = cleanLine(id), true
		}
	}
	return ticket, ok || threadsToGateway(res, domain)
}

// threadsToGateway reports whether In-Reply-To or References name a
// Message-ID the gateway made. Its random part makes it a token: only
// someone who received the gateway's mail can know it.
func threadsToGateway(res *Result, domain string) bool {
	for _, id := range append(append([]string(nil), res.InReplyTo...), res.References...) {
		if isGatewayID(id, domain) {
			return true
		}
	}
	return false
}

// replyCommand reads a command from the first non-empty line of the newest
// part: the command word in any case (markdown emphasis and a trailing ".",
// ":" or "!" allowed), the rest of the line is the argument. URGENCY takes
// a level (normalised to low, medium, high or critical).
func replyCommand(newest string, warn func(string)) *Command {
	line := firstLine(newest)
	if line == "" {
		return nil
	}
	_, rest, _ := strings.Cut(line, " ")
	name, ok := vocab.ParseCommand(commandWord(line))
	if !ok {
		return nil
	}
	arg := cleanLine(strings.Trim(strings.TrimSpace(rest), "*_`"))
	arg = strings.TrimSpace(strings.TrimLeft(arg, ":-–"))
	c := &Command{Name: name, Argument: arg}
	if name == vocab.CmdUrgency {
		if l, ok := parseLevel(arg); ok {
			c.Argument = string(l)
		} else {
			warn(fmt.Sprintf("URGENCY command needs one of %s; got %s", strings.Join(vocab.UrgencyNames(), ", "), quoteValue(arg)))
		}
	}
	if name == vocab.CmdResolved {
		c.RootCause = rootCause(newest)
		// "RESOLVED restarted the worker. Root cause: outage" on one line.
		if note, cause, ok := cutRootCause(c.Argument); ok {
			c.Argument = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(note), ".;,"))
			if c.RootCause == "" {
				c.RootCause = cause
			}
		}
	}
	return c
}

// rootCause is the text of the first "Root cause: <text>" line of a reply's
// newest part ("Root cause - training", "root-cause: policy" too), "" when
// there is none.
func rootCause(newest string) string {
	for i, line := range strings.Split(newest, "\n") {
		if i == 0 {
			continue // the command line: cutRootCause reads it
		}
		line = strings.Trim(strings.TrimSpace(line), "*_`")
		if strings.HasPrefix(line, ">") {
			break // the quoted mail below
		}
		if before, cause, ok := cutRootCause(line); ok && strings.TrimSpace(before) == "" {
			return cause
		}
	}
	return ""
}

// cutRootCause finds "root cause" followed by ":" or "-" in s (any case)
// and returns what precedes it and the cause after it.
func cutRootCause(s string) (before, cause string, ok bool) {
	lower := strings.ToLower(s)
	for _, label := range []string{"root cause", "root-cause", "rootcause"} {
		i := strings.Index(lower, label)
		if i < 0 {
			continue
		}
		rest := strings.TrimSpace(s[i+len(label):])
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, "*"), "*")
		if !strings.HasPrefix(rest, ":") && !strings.HasPrefix(rest, "-") && !strings.HasPrefix(rest, "–") {
			continue
		}
		cause = cleanLine(strings.Trim(strings.TrimSpace(strings.TrimLeft(rest, ":-– ")), "*_`"))
		cause = strings.TrimRight(cause, ".")
		if cause == "" {
			continue
		}
		return s[:i], cause, true
	}
	return "", "", false
}

// IsReplySubject reports whether a subject carries a reply prefix (Re:,
// AW:, SV:, Antw:, ...), as the parser reads it.
func IsReplySubject(subject string) bool { return parseSubject(subject).reply }
