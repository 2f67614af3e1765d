package mailparse

import (
	"escalationd/vocab"
	"fmt"
	"strings"

	"github.com/emersion/go-message"
	// Registers the charsets (ISO-8859-x, Windows-125x, ...) with
	// go-message; without it non-UTF-8 bodies, subjects and From fail.
	_ "github.com/emersion/go-message/charset"
)

// ReasonParseError is the reason of mail whose parsing hit an internal
// error (a recovered panic, which is a bug in this package).
const ReasonParseError = "parse-error"

// maxWarnings bounds Result.Warnings.
const maxWarnings = 40

// Parse reads one raw RFC 5322 message and decides what the gateway does
// with it. It never returns nil and never panics: an internal error yields
// disposition ignored, reason parse-error, with a warning.
func Parse(raw []byte, opts Options) (res *Result) {
	defer func() {
		if p := recover(); p != nil {
			res = envelope(raw, opts)
			res.Disposition, res.Reason = DispositionIgnored, ReasonParseError
			res.Warnings = append(res.Warnings, cleanLine(fmt.Sprintf("internal error while parsing: %v", p)))
		}
	}()
	return parse(raw, opts)
}

// envelope reads only the sender, subject and thread ids, for a Result
// after an internal error; if that fails too, the Result stays empty.
func envelope(raw []byte, opts Options) (res *Result) {
	p := &parser{opts: opts, lim: opts.Limits.withDefaults(), res: &Result{}}
	defer func() {
		if recover() != nil {
			res = &Result{}
		}
	}()
	hb, _ := splitHeader(raw)
	p.readEnvelope(readHeader(hb, p.lim.MaxHeaderLine, p.warn))
	return p.res
}

// readEnvelope fills From, Subject and the Message-IDs from the header.
func (p *parser) readEnvelope(h message.Header) {
	res := p.res
	res.From, res.FromName, res.SenderAmbiguous = sender(h, p.warn)
	res.Subject = cleanLine(headerText(h, "Subject", p.warn))
	res.MessageID = messageID(h)
	res.InReplyTo = msgIDs(h, "In-Reply-To")
	res.References = msgIDs(h, "References")
}

// parse is Parse without the recover, so that tests and the fuzz target
// see panics.
func parse(raw []byte, opts Options) *Result {
	p := &parser{opts: opts, lim: opts.Limits.withDefaults(), res: &Result{}}
	return p.run(raw)
}

type parser struct {
	opts Options
	lim  Limits
	res  *Result
}

func (p *parser) warn(s string) {
	switch n := len(p.res.Warnings); {
	case n < maxWarnings:
		p.res.Warnings = append(p.res.Warnings, s)
	case n == maxWarnings:
		p.res.Warnings = append(p.res.Warnings, "more warnings left out")
	}
}

func (p *parser) ignore(reason string) *Result {
	p.res.Disposition, p.res.Reason = DispositionIgnored, reason
	return p.res
}

func (p *parser) run(raw []byte) *Result {
	res := p.res
	hb, bb := splitHeader(raw)
	h := readHeader(hb, p.lim.MaxHeaderLine, p.warn)
	p.readEnvelope(h)
	si := parseSubject(res.Subject)
	security := p.opts.MailboxKind == "security"

	// Mail that must never be answered, decided from the header alone.
	if why := loopReason(h, res.From, res.MessageID, &p.opts); why != "" {
		p.warn("loop: " + why)
		return p.ignore(ReasonLoop)
	}
	// A report in the security mailbox may come from postmaster@: there only
	// a delivery report's own structure makes a mail a bounce.
	bounceFrom := res.From
	if security {
		bounceFrom = ""
	}
	if isBounce(h, bounceFrom) {
		if b := parseBounce(raw, h); len(b.MessageIDs) > 0 || b.EnvelopeID != "" || len(b.Failed) > 0 {
			res.Bounce = b
		}
		res.Auth, _ = authenticate(h, p.opts.TrustedAuthservIDs, res.From)
		return p.ignore(ReasonBounce)
	}
	if isAutoReply(h, res.Subject) {
		return p.ignore(ReasonAutoReply)
	}
	if isMailingList(h) {
		return p.ignore(ReasonMailingList)
	}
	// A spoofed mail never acts on a case; in the security mailbox it is
	// still a report. A sender outside the allow-list may only answer a
	// case's mail, through a gateway Message-ID in its thread headers (the
	// engine then decides whether they are on the case).
	spoofed, outsider, replyOnly := false, false, false
	auth, why := authenticate(h, p.opts.TrustedAuthservIDs, res.From)
	res.Auth = auth
	if auth == AuthFail {
		p.warn("authentication failed: " + why)
		if !security {
			return p.ignore(ReasonSpoofed)
		}
		spoofed, outsider = true, true
	}
	if !spoofed && !senderAllowed(res.From, &p.opts) {
		switch {
		case !p.opts.NoReplies && threadsToGateway(res, p.opts.GatewayDomain):
			replyOnly = true
		case !security:
			return p.ignore(ReasonSenderNotAllowed)
		default:
			outsider = true
		}
	}

	size := max(int64(len(raw)), p.opts.OriginalSize)
	if size > p.lim.MaxMessageSize {
		return p.tooLarge(size, si, security)
	}

	w := &walker{lim: p.lim, warn: p.warn, textLeft: p.lim.MaxTextSize, warned: map[string]bool{}}
	var b body
	w.walk(newEntity(h, bb), 0, &b)
	if len(b.attachments) > 0 {
		res.Attachments = b.attachments
	}
	text := strings.Join(b.texts, "\n")
	sec := splitNewest(text)
	ticket, inThread := replyTicket(res, si, p.opts.GatewayDomain)
	// An out-of-office reply whose headers do not say so: recognised by
	// its English subject or how its newest text opens, before it can be
	// a comment or a command.
	// In the security mailbox only in a case's thread: a report is never
	// dropped for how it opens.
	if (!security || inThread) && isAutoReplyBody(res.Subject, sec.newest) {
		return p.ignore(ReasonAutoReply)
	}

	if inThread && !spoofed && !p.opts.NoReplies {
		res.Disposition = DispositionReply
		res.Ticket = ticket
		res.Command = replyCommand(sec.newest, p.warn)
		if res.Command == nil {
			res.CommandTypo = commandTypo(sec.newest)
		}
		res.Text = sec.newest
		return res
	}
	if replyOnly {
		if security {
			return p.securityReport(text)
		}
		return p.ignore(ReasonSenderNotAllowed)
	}
	if outsider {
		return p.securityReport(text)
	}

	content, csi := chooseContent(sec, &b, si)
	sc := scanText(content)
	kind, ksi := detectKind(csi, sc)
	if kind == "" || !(ksi.kind != "" || sc.templateLike()) {
		if security {
			return p.securityReport(text)
		}
		res.Text = sec.newest
		return p.ignore(ReasonNotEscalation)
	}
	res.Text = content
	interpret(res, kind, ksi, sc, p.warn)
	return res
}

// chooseContent picks the text the fields are read from: the newest part,
// unless it has no template and the older part is a forwarded escalation
// (inline forward or Outlook forward) or is all there is; then a forwarded
// message/rfc822 attachment with a template.
func chooseContent(sec sections, b *body, si subjectInfo) (string, subjectInfo) {
	top := scanText(sec.newest)
	if top.templateLike() || (top.labels > 0 && si.kind != "" && !si.forward) {
		return sec.newest, si
	}
	blank := strings.TrimSpace(sec.newest) == ""
	if sec.older != "" && (sec.forward || (sec.original && si.forward) || blank) {
		older := splitNewest(sec.older).newest
		if scanText(older).templateLike() {
			osi := si
			if sec.oldSubject != "" {
				osi = parseSubject(sec.oldSubject)
			}
			return older, osi
		}
	}
	for _, f := range b.forwards {
		t := splitNewest(strings.Join(f.body.texts, "\n")).newest
		if scanText(t).templateLike() {
			return t, parseSubject(f.subject)
		}
	}
	return sec.newest, si
}

func (p *parser) tooLarge(size int64, si subjectInfo, security bool) *Result {
	res := p.res
	msg := fmt.Sprintf("message is %d bytes; the limit is %d bytes (%s): only its header was read",
		size, p.lim.MaxMessageSize, humanBytes(p.lim.MaxMessageSize))
	if security {
		p.warn(msg)
		return p.securityReport("")
	}
	res.Disposition, res.Reason = DispositionRejected, ReasonTooLarge
	res.Kind = si.kind
	if si.kind == vocab.KindEscalation {
		if id, ok := parseTicket(si.rest); ok {
			res.Ticket = cleanLine(id)
		}
	}
	res.Errors = []FieldError{{Field: "message", Message: msg}}
	return res
}

func (p *parser) securityReport(text string) *Result {
	res := p.res
	res.Disposition, res.Reason, res.Kind = DispositionCase, "", vocab.KindSecurityReport
	res.Fields = map[string]any{"subject": res.Subject, "text": text}
	res.Text = text
	return res
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
