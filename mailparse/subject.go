package mailparse

import (
	"escalationd/vocab"
	"strings"
)

// subjectInfo is what a subject says about the mail.
type subjectInfo struct {
	reply   bool       // it had a reply prefix (Re:, AW:, SV:, Antw:, ...)
	forward bool       // it had a forward prefix (Fwd:, FW:, WG:, ...)
	kind    vocab.Kind // template kind named by the subject, or ""
	rest    string     // text after "ESCALATION:", "ESCALATION -" or "BUG -"
	bare    string     // the subject without prefixes and tags
}

var replyPrefixes = map[string]bool{
	"re": true, "aw": true, "sv": true, "antw": true, "vs": true, "ynt": true, "rif": true,
	"odp": true, "ref": true, "r": true, "res": true, "atb": true, "vá": true,
}

var forwardPrefixes = map[string]bool{
	"fw": true, "fwd": true, "wg": true, "tr": true, "rv": true, "enc": true, "fs": true,
	"vl": true, "doorst": true, "pd": true,
}

// parseSubject strips reply and forward prefixes (repeated, mixed, with
// counters such as "Re[2]:") and leading tags such as "[EXTERNAL]" or
// "EXT:", then recognises the template subjects:
//
//	ESCALATION: [TICKET-ID] ...   generic escalation
//	ESCALATION - [Issue Type]     management
//	BUG - [Brief Description]     engineering
func parseSubject(s string) subjectInfo {
	var si subjectInfo
	for range 20 {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "[") {
			if j := strings.IndexByte(s, ']'); j > 0 && j <= 40 && strings.TrimSpace(s[j+1:]) != "" &&
				!looksLikeTicket(s[1:j]) {
				s = s[j+1:]
				continue
			}
		}
		colon := strings.IndexByte(s, ':')
		if colon <= 0 || colon > 12 {
			break
		}
		p := strings.ToLower(strings.TrimSpace(s[:colon]))
		if i := strings.IndexAny(p, "[("); i > 0 {
			p = strings.TrimSpace(p[:i]) // Re[2]:, AW(3):
		}
		switch {
		case replyPrefixes[p]:
			si.reply = true
		case forwardPrefixes[p]:
			si.forward = true
		case p == "ext" || p == "external" || p == "extern":
		default:
			p = ""
		}
		if p == "" {
			break
		}
		s = s[colon+1:]
	}
	si.bare = s
	switch {
	case hasPrefixFold(s, "ESCALATION"):
		after := strings.TrimLeft(s[len("ESCALATION"):], " ")
		switch {
		case strings.HasPrefix(after, ":"):
			si.kind, si.rest = vocab.KindEscalation, after[1:]
		case strings.HasPrefix(after, "["):
			si.kind, si.rest = vocab.KindEscalation, after
		default:
			if d := dashPrefix(after); d > 0 {
				si.kind, si.rest = vocab.KindManagement, after[d:]
			}
		}
	case hasPrefixFold(s, "BUG"):
		after := strings.TrimLeft(s[len("BUG"):], " ")
		if d := dashPrefix(after); d > 0 {
			si.kind, si.rest = vocab.KindEngineering, after[d:]
		} else if strings.HasPrefix(after, ":") {
			si.kind, si.rest = vocab.KindEngineering, after[1:]
		}
	}
	si.rest = strings.TrimSpace(si.rest)
	return si
}

// dashPrefix returns the length of a leading "-", "–" or "—", or 0.
func dashPrefix(s string) int {
	for _, d := range []string{"-", "–", "—"} {
		if strings.HasPrefix(s, d) {
			return len(d)
		}
	}
	return 0
}

func looksLikeTicket(s string) bool {
	_, ok := parseTicket(s)
	return ok
}
