package mailparse

import (
	"escalationd/vocab"
	"strings"
	"unicode"
)

// A reply whose first word is almost a command ("ACKK", "RESOLVE fixed",
// "Reasign engineering") is a comment, but its writer meant a command and
// should be told. Flagging ordinary English ("Thanks", "Noted", "Done.",
// "Open question") would send people error mails, so a word is a typo only
// when:
//
//   - it is letters only, at least 3 of them, and not a question ("DONE?");
//   - it is not one of the English words below that lie close to a command;
//   - for the long commands (6 letters and more: REOPEN, URGENCY, RESOLVED,
//     REASSIGN and the alias ACKNOWLEDGED) it is within
//     Damerau-Levenshtein distance 2 of the command, in any case;
//   - for the short ones (ACK, NOTE) it is the command with one slip that
//     adds no other letter (a swap, a doubled or a dropped letter: "AKC",
//     "ACKK", "NTOE"); two edits to a 4-letter word, or one that brings
//     another letter, reach too many words and acronyms ("done", "none",
//     "back", "ACL", "NODE");
//   - or it is written in capitals and is one of the near forms people
//     type for a command (FIXED, DONE, CLOSED for RESOLVED; ACKED for ACK):
//     in sentence case those are ordinary English ("Fixed the config, still
//     failing").
//
// The aliases vocab.ParseCommand accepts are found by trying every word at
// distance 1 of the written one, so that no command word is spelled here.

// notTypos are English words (lower case) within reach of a command.
var notTypos = map[string]bool{
	"not": true, "noted": true, "notes": true, "node": true, "nodes": true,
	"back": true, "jack": true, "hack": true, "lack": true, "pack": true,
	"rack": true, "act": true, "ask": true, "ace": true, "acl": true,
	"open": true, "opened": true, "urgent": true, "urgently": true,
	"agency": true, "currency": true, "regency": true, "reserved": true,
	"resulted": true, "revolve": true, "revolved": true, "evolved": true, "resign": true,
	"resigned": true, "realign": true, "ripen": true, "repent": true,
	"resole": true, "resolute": true, "resorted": true, "resolver": true,
	"resolvers": true, "solved": true,
	// A swap away from CSAT.
	"cast": true, "scat": true,
}

// nearForms are words read as a command when written in capitals (upper
// case key); in any other case they are English and no typo.
var nearForms = map[string]vocab.Command{
	"FIXED": vocab.CmdResolved, "DONE": vocab.CmdResolved, "CLOSE": vocab.CmdResolved,
	"CLOSED": vocab.CmdResolved, "SOLVED": vocab.CmdResolved,
	"ACKED": vocab.CmdAck, "ACKD": vocab.CmdAck,
}

// shortCommand is the length up to which a command is short.
const shortCommand = 4

// commandTypo reads the first word of the first non-empty line of the
// newest part and returns the typo it holds, or nil when it is a command
// or no command is near.
func commandTypo(newest string) *CommandTypo {
	written := commandWord(firstLine(newest))
	if strings.HasSuffix(written, "?") {
		return nil
	}
	if _, ok := vocab.ParseCommand(written); ok || len(written) < 3 || len(written) > 24 {
		return nil
	}
	for _, r := range written {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return nil
		}
	}
	lower, upper := strings.ToLower(written), strings.ToUpper(written)
	if c, ok := nearForms[upper]; ok {
		if written == upper {
			return &CommandTypo{Written: written, Meant: c}
		}
		return nil
	}
	if notTypos[lower] {
		return nil
	}
	if c, ok := nearestCommand(upper); ok {
		return &CommandTypo{Written: written, Meant: c}
	}
	return nil
}

// nearestCommand returns the one command the (upper-case) word is a typo
// of under the rules above; several at the same distance are no answer.
func nearestCommand(w string) (vocab.Command, bool) {
	best, bestD, tie := vocab.Command(""), 3, false
	for _, c := range vocab.Commands {
		name := string(c)
		d := damerauLevenshtein(w, name)
		if len(name) <= shortCommand && !slipOf(w, name) {
			continue
		}
		if d > 2 {
			continue
		}
		switch {
		case d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD && c != best:
			tie = true
		}
	}
	if best != "" && !tie {
		return best, true
	}
	// One edit away from an alias (long: aliases of short commands would
	// be commands themselves).
	if len(w) > shortCommand+2 {
		if c, ok := aliasAtOneEdit(w); ok {
			return c, true
		}
	}
	return "", false
}

// aliasAtOneEdit tries every word one deletion, transposition, substitution
// or insertion of an upper-case letter away from w with vocab.ParseCommand.
func aliasAtOneEdit(w string) (vocab.Command, bool) {
	try := func(s string) (vocab.Command, bool) { return vocab.ParseCommand(s) }
	for i := range len(w) {
		if c, ok := try(w[:i] + w[i+1:]); ok {
			return c, true
		}
		if i+1 < len(w) {
			if c, ok := try(w[:i] + string(w[i+1]) + string(w[i]) + w[i+2:]); ok {
				return c, true
			}
		}
	}
	for i := range len(w) + 1 {
		for l := byte('A'); l <= 'Z'; l++ {
			if c, ok := try(w[:i] + string(l) + w[i:]); ok {
				return c, true
			}
			if i < len(w) {
				if c, ok := try(w[:i] + string(l) + w[i+1:]); ok {
					return c, true
				}
			}
		}
	}
	return "", false
}

// slipOf reports whether w is name with one slip of the fingers that adds
// no other letter: one letter dropped or doubled, or two neighbours
// swapped ("AC", "ACKK", "AKC").
func slipOf(w, name string) bool {
	switch len(w) - len(name) {
	case -1:
		for i := range len(name) {
			if name[:i]+name[i+1:] == w {
				return true
			}
		}
	case 1:
		for i := range len(name) {
			if name[:i+1]+name[i:] == w {
				return true
			}
		}
	case 0:
		for i := range len(name) - 1 {
			if name[:i]+string(name[i+1])+string(name[i])+name[i+2:] == w {
				return true
			}
		}
	}
	return false
}

// damerauLevenshtein is the optimal string alignment distance of two ASCII
// strings: insertions, deletions, substitutions and transpositions of
// adjacent letters.
func damerauLevenshtein(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// firstLine is the first non-empty line of text, trimmed.
func firstLine(text string) string {
	for rest := text; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}
