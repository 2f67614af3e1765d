package outbound

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// address returns a, one mailbox, in the form written in a header. Besides
// what net/mail parses ("Name <a@b>", "a@b", `"john doe"@b`), it takes a
// bare addr-spec whose local part needs quotes but lacks them
// ("john doe@b", the form net/mail's Address field holds), so a sender
// recorded that way can still be answered.
func address(a string) (string, error) {
	a = clean(a)
	p, err := mail.ParseAddress(a)
	if err != nil {
		var ok bool
		if p, ok = unquotedAddrSpec(a); !ok {
			return "", err
		}
	}
	if len(p.Address) > maxAddress {
		return "", fmt.Errorf("address of %d bytes, over %d", len(p.Address), maxAddress)
	}
	return p.String(), nil
}

// unquotedAddrSpec reads "local part@domain" where the local part needs
// quoting (spaces, say). It refuses characters that would make the
// reading a guess: quotes, backslashes, angle brackets, commas, colons,
// semicolons, parentheses and a second "@".
func unquotedAddrSpec(a string) (*mail.Address, bool) {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || strings.ContainsAny(a[:at], "\"\\<>,;:()@") {
		return nil, false
	}
	q := &mail.Address{Address: a}
	p, err := mail.ParseAddress(q.String())
	if err != nil || p.Address != a {
		return nil, false
	}
	return p, true
}

// smtpPath writes an address as an SMTP path (RFC 5321 4.1.2) without
// the angle brackets: a local part that is not a dot-string is quoted, as
// net/mail's Address field holds it unquoted (`john doe@example.com`).
func smtpPath(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || strings.HasPrefix(addr, `"`) {
		return addr
	}
	local, domain := addr[:at], addr[at:]
	if dotString(local) {
		return addr
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range local {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String() + domain
}

// dotString reports whether s is an RFC 5321 Dot-string (non-ASCII is let
// through: it needs SMTPUTF8, not quotes).
func dotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if r >= utf8.RuneSelf || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') ||
			strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r) {
			continue
		}
		return false
	}
	return true
}
