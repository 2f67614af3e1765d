package mailparse

import (
	"escalationd/vocab"
	"regexp"
	"strings"
)

// Out-of-office replies whose headers say nothing (an Exchange rule, a
// gateway that strips Auto-Submitted, a person's "vacation" filter) are
// recognised by their subject and by how their text opens. Every pattern
// is anchored: at the start of the subject, or at the start of the newest
// text (after a greeting and a "Thank you for your email."), so that a
// reply that only mentions a vacation further on is not caught.

// oooSubject matches the English subjects of automatic replies, at the
// start of the (lower-cased) subject: "Out of Office:", "OOO", "Away:",
// "Automatic reply:", "Autoreply:", "[Auto-Reply]", "Auto Response",
// "On vacation".
var oooSubject = regexp.MustCompile(`^\[?\s*(?:` +
	`auto(?:matic|mated)?[\s_-]*(?:reply|response|responder|answer)\b|` +
	`out[\s-]+of[\s-]+(?:the[\s-]+)?office\b|` +
	`(?:ooo|oof)(?:$|[^a-z0-9'])|` +
	`away\s*:|` +
	`(?:on|annual)[\s-]+(?:vacation|holidays?|leave|pto)\b|` +
	`vacation[\s-]+(?:reply|response|auto[\s-]*reply|notice)\b)`)

// oooGreeting is an opening greeting, dropped before the body patterns.
var oooGreeting = regexp.MustCompile(`^(?:(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening|day))\b[^,.!:;]{0,40}[,.!:]?|dear [^,.!:;]{1,40}[,.!:]?)\s*`)

// oooThanks is the "Thank you for your email." that opens many
// out-of-office texts.
var oooThanks = regexp.MustCompile(`^(?:thank you|thanks|many thanks)(?: very much)? for (?:(?:your|the) (?:e-?mail|mail|message|note|enquiry|inquiry)\b|contacting (?:me|us)\b|reaching out\b|getting in touch\b)[^.!]{0,40}[.!,;]?\s*`)

// oooNotice is the "Please note that" before an out-of-office sentence.
var oooNotice = regexp.MustCompile(`^(?:please note|please be advised|kindly note)(?: that)?[,:]?\s*`)

// oooAnnounce opens a text that says it is automatic ("Automatic reply",
// "This is an automatic reply", "Out of Office AutoReply", "Auto-Reply:").
var oooAnnounce = regexp.MustCompile(`^(?:` +
	`(?:this is an? )?(?:automatic|automated|auto[\s-]*generated|auto)[\s-]*(?:reply|response)\b|` +
	`autoreply\b|autoresponse\b|` +
	`out of (?:the )?office\s*(?:[.!]?$|[:\-–]|auto[\s-]*reply\b))`)

// oooClause opens an out-of-office sentence: "I am (currently) out of the
// office", "I'm on vacation", "I will be away", "I'm on annual leave",
// "I have limited access to email". Its groups: 1 the "currently" that
// makes it say where the writer is now, 2 a strong clause (away, out of
// the office, on leave), 3 a weak one (travelling, unavailable) that
// needs a signal of its own, 4 no access to email.
var oooClause = regexp.MustCompile(`^(?:i am|i'm|im|i will be|i'll be|i shall be|i'm going to be|i am going to be)` +
	`( currently| presently| now)? (?:(` +
	`out of (?:the )?office\b|ooo\b|oof\b|away\b|` +
	`(?:out )?on (?:(?:annual|parental|maternity|paternity|sick|medical|family|study|bereavement|a|my) )?(?:leave|vacation|holidays?|pto|sabbatical|business travel|a business trip)\b)|` +
	`((?:travell?ing|unavailable|off work|out sick)\b))` +
	`|^(i (?:have|will have) (?:only )?(?:limited|no|intermittent) access to (?:my )?e-?mail)`)

// oooSignal is something an out-of-office text says besides being away:
// when, what to do meanwhile, and that the answer will wait. A person's
// "I'm out of office tomorrow, Sam covers" has none of these.
var oooSignal = regexp.MustCompile(`\b(?:until|till|through|returning|return|back (?:on|in|at|from|by|after|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next)|` +
	`(?:limited|no|intermittent|without) access|in my absence|during my absence|` +
	`back (?:tomorrow|soon|later|in the office)|from [^.]{1,40}? (?:to|through|thru|-|–) |` +
	`(?:will|i'll|shall) (?:respond|reply|answer|get back|be back|read)|as soon as (?:possible|i can)|` +
	`for (?:anything |something )?urgent|urgent (?:matters|issues|requests|enquiries|inquiries)|` +
	`if (?:it|this|your (?:e-?mail|message|matter|request)) is urgent|please (?:contact|reach out|email|call))\b`)

// oooOpeningLines is how many non-empty lines of the newest text are read.
const oooOpeningLines = 4

// isAutoReplyBody reports whether a mail whose header did not say so is
// an out-of-office reply, by its English subject (isAutoReplySubject) or
// by how the newest part opens. A text whose first word is a reply
// command, or that carries a template, is never one: "On leave" can be
// the subject of an escalation about a leave portal.
func isAutoReplyBody(subject, newest string) bool {
	lines := openingLines(newest, oooOpeningLines)
	if len(lines) > 0 {
		if _, ok := vocab.ParseCommand(commandWord(lines[0])); ok {
			return false
		}
	}
	if !isAutoReplySubject(subject) && (len(lines) == 0 || !oooOpening(lines)) {
		return false
	}
	return !scanText(newest).templateLike()
}

// oooOpening applies the patterns to the first lines of a text.
func oooOpening(lines []string) bool {
	if oooAnnounce.MatchString(normaliseOpening(lines[0])) {
		return true
	}
	s := normaliseOpening(strings.Join(lines, " "))
	s = oooGreeting.ReplaceAllString(s, "")
	thanked := false
	if loc := oooThanks.FindStringIndex(s); loc != nil {
		s, thanked = s[loc[1]:], true
	}
	s = oooNotice.ReplaceAllString(s, "")
	m := oooClause.FindStringSubmatchIndex(s)
	switch {
	case m == nil:
		return false
	case m[8] >= 0, thanked:
		return true
	case m[2] >= 0 && m[4] >= 0:
		return true // "I am currently out of the office"
	}
	return oooSignal.MatchString(s[m[1]:])
}

// openingLines returns the first n non-empty lines of text that are not
// quoted, trimmed, without splitting all of a long text.
func openingLines(text string, n int) []string {
	var lines []string
	for rest := text; rest != "" && len(lines) < n; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, ">") {
			lines = append(lines, t)
		}
	}
	return lines
}

// isAutoReplySubject reports whether a subject is an English
// out-of-office subject.
func isAutoReplySubject(subject string) bool {
	return oooSubject.MatchString(normaliseOpening(subject))
}

// normaliseOpening lower-cases s, turns typographic apostrophes and dashes
// into ASCII and collapses white space, and keeps at most 600 bytes.
func normaliseOpening(s string) string {
	if len(s) > 600 {
		s = s[:600]
	}
	s = strings.ToLower(s)
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u00a0", " ", "*", "", "_", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// commandWord is the first word of a line as replyCommand reads it:
// markdown emphasis and a trailing ".", ":", "!" or "," removed.
func commandWord(line string) string {
	word, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	word = strings.Trim(word, "*_`")
	return strings.TrimRight(word, ".:!,")
}
